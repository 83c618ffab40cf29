//! A TCP relay that stands for "the database's address" in front of PostgreSQL: every connection
//! it accepts is joined to the server it points at, and [`Relay::point_at`] moves it to another
//! server, as a floating address or a proxy does at failover. The connections open at the moment
//! of the move are cut (both ends closed), as they are when the old server is gone.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A relay on a loopback port; it runs until the test's runtime ends.
pub struct Relay {
    /// Where clients connect.
    pub addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    /// Bumped at every move: open connections watch it and close when it changes.
    moves: watch::Sender<u64>,
}

impl Relay {
    /// Starts a relay to `upstream` on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let upstream = Arc::new(Mutex::new(upstream));
        let (moves, _) = watch::channel(0u64);
        let (to, moved) = (upstream.clone(), moves.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut down, _)) = listener.accept().await else {
                    continue;
                };
                let target = *to.lock().unwrap_or_else(|p| p.into_inner());
                let mut moved = moved.subscribe();
                tokio::spawn(async move {
                    // A server that is down refuses: the client's connection is closed at once,
                    // which is what it sees of a dead server behind a live address.
                    let Ok(mut up) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut down, &mut up) => {}
                        _ = moved.changed() => {}
                    }
                });
            }
        });
        Relay {
            addr,
            upstream,
            moves,
        }
    }

    /// Sends new connections to `upstream` and cuts the open ones.
    pub fn point_at(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap_or_else(|p| p.into_inner()) = upstream;
        self.moves.send_modify(|n| *n += 1);
    }
}
