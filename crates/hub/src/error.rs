//! The hub's errors, each with the CLI exit code of its kind (README "exit codes").

/// What a hub use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("the hub database could not be read or written: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the hub database could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the hub's state directory: {0}")]
    State(String),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Internal(String),
}

impl HubError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The exit code of the error's kind: 1 storage or internal, 3 invalid input, 4 not found,
    /// 5 the state directory is refused, 7 conflict, 8 not allowed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Database(_) | Self::Migrate(_) | Self::Internal(_) => 1,
            Self::Invalid { .. } => 3,
            Self::NotFound(_) => 4,
            Self::State(_) => 5,
            Self::Conflict(_) => 7,
            Self::Forbidden(_) => 8,
        }
    }

    /// The field an invalid input names.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl dealerdesk_hub_store::TxError for HubError {
    fn as_sqlx(&self) -> Option<&sqlx::Error> {
        match self {
            Self::Database(e) => Some(e),
            _ => None,
        }
    }
}
