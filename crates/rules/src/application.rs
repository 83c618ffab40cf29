//! The credit application's state machine, pure:
//!
//! `draft → ready → submitted → decisioned(approved | conditional | countered | declined) →
//! contracted → funded`, plus `withdrawn` and `expired`.
//!
//! [`next_state`] is the transition table. Who may take a step, and what it needs first, are the
//! desk's business (`dealerdesk_services::application`); the hub checks a synced row's move
//! against the same table.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where an application is. The four decision states together are "decisioned".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    Ready,
    Submitted,
    Approved,
    Conditional,
    Countered,
    Declined,
    Contracted,
    Funded,
    Withdrawn,
    Expired,
}

impl ApplicationState {
    pub const ALL: &'static [ApplicationState] = &[
        Self::Draft,
        Self::Ready,
        Self::Submitted,
        Self::Approved,
        Self::Conditional,
        Self::Countered,
        Self::Declined,
        Self::Contracted,
        Self::Funded,
        Self::Withdrawn,
        Self::Expired,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Ready => "ready",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Conditional => "conditional",
            Self::Countered => "countered",
            Self::Declined => "declined",
            Self::Contracted => "contracted",
            Self::Funded => "funded",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
    /// `decisioned` for the four decision states, else the state's own name.
    pub fn phase(self) -> &'static str {
        if self.is_decisioned() {
            "decisioned"
        } else {
            self.as_str()
        }
    }
    pub fn is_decisioned(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::Conditional | Self::Countered | Self::Declined
        )
    }
}

impl std::fmt::Display for ApplicationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can be done to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// draft → ready: the application is complete.
    MarkReady,
    /// ready → draft: to edit it again.
    Reopen,
    /// ready → submitted: sent to the chosen lender.
    Submit,
    /// submitted → approved / conditional / countered / declined: the lender's answer.
    Approve,
    Condition,
    Counter,
    Decline,
    /// countered → approved: the customer takes the counter-offer.
    AcceptCounter,
    /// a decision → draft: restructure the deal or choose another lender.
    Rework,
    /// approved / conditional → contracted: every stipulation cleared.
    Contract,
    /// contracted → funded: the lender paid the dealer.
    Fund,
    /// before contract → withdrawn: the customer walked.
    Withdraw,
    /// submitted or decisioned → expired: the decision or the wait lapsed.
    Expire,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Self::MarkReady,
        Self::Reopen,
        Self::Submit,
        Self::Approve,
        Self::Condition,
        Self::Counter,
        Self::Decline,
        Self::AcceptCounter,
        Self::Rework,
        Self::Contract,
        Self::Fund,
        Self::Withdraw,
        Self::Expire,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MarkReady => "mark_ready",
            Self::Reopen => "reopen",
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Condition => "condition",
            Self::Counter => "counter",
            Self::Decline => "decline",
            Self::AcceptCounter => "accept_counter",
            Self::Rework => "rework",
            Self::Contract => "contract",
            Self::Fund => "fund",
            Self::Withdraw => "withdraw",
            Self::Expire => "expire",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::MarkReady => "marked ready",
            Self::Reopen => "reopened",
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Condition => "approved with conditions",
            Self::Counter => "countered",
            Self::Decline => "declined",
            Self::AcceptCounter => "moved on by accepting a counter-offer",
            Self::Rework => "reworked",
            Self::Contract => "contracted",
            Self::Fund => "funded",
            Self::Withdraw => "withdrawn",
            Self::Expire => "expired",
        })
    }
}

/// The transition table: the state `action` leads to from `from`, or `None` when illegal.
pub fn next_state(from: ApplicationState, action: Action) -> Option<ApplicationState> {
    use Action as A;
    use ApplicationState as S;
    Some(match (from, action) {
        (S::Draft, A::MarkReady) => S::Ready,
        (S::Ready, A::Reopen) => S::Draft,
        (S::Ready, A::Submit) => S::Submitted,
        (S::Submitted, A::Approve) => S::Approved,
        (S::Submitted, A::Condition) => S::Conditional,
        (S::Submitted, A::Counter) => S::Countered,
        (S::Submitted, A::Decline) => S::Declined,
        (S::Countered, A::AcceptCounter) => S::Approved,
        (S::Approved | S::Conditional | S::Countered | S::Declined, A::Rework) => S::Draft,
        (S::Approved | S::Conditional, A::Contract) => S::Contracted,
        (S::Contracted, A::Fund) => S::Funded,
        (
            S::Draft | S::Ready | S::Submitted | S::Approved | S::Conditional | S::Countered,
            A::Withdraw,
        ) => S::Withdrawn,
        (S::Submitted | S::Approved | S::Conditional | S::Countered, A::Expire) => S::Expired,
        _ => return None,
    })
}

/// The action that moves an application from `from` to `to`, or `None` when no single step does.
pub fn action_between(from: ApplicationState, to: ApplicationState) -> Option<Action> {
    Action::ALL
        .iter()
        .copied()
        .find(|a| next_state(from, *a) == Some(to))
}

/// Whether some sequence of one or more steps moves an application from `from` to `to` (a desk
/// that was offline may have taken several steps the hub sees as one change).
pub fn reachable(from: ApplicationState, to: ApplicationState) -> bool {
    let mut seen = vec![from];
    let mut frontier = vec![from];
    while let Some(s) = frontier.pop() {
        for a in Action::ALL {
            if let Some(n) = next_state(s, *a) {
                if n == to {
                    return true;
                }
                if !seen.contains(&n) {
                    seen.push(n);
                    frontier.push(n);
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use ApplicationState as S;

    #[test]
    fn states_and_actions_have_stable_names() {
        for s in ApplicationState::ALL {
            assert_eq!(ApplicationState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ApplicationState::Declined.phase(), "decisioned");
        assert_eq!(ApplicationState::Submitted.phase(), "submitted");
        let names: std::collections::BTreeSet<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), Action::ALL.len());
        assert_eq!(ApplicationState::parse("Draft"), None, "names are exact");
        assert_eq!(
            ApplicationState::parse("decisioned"),
            None,
            "a phase is not a state"
        );
        // The wire and the UI's bindings use the same names.
        for s in ApplicationState::ALL {
            let json = serde_json::to_string(s).ok();
            assert_eq!(json, Some(format!("\"{}\"", s.as_str())));
        }
        for a in Action::ALL {
            let json = serde_json::to_string(a).ok();
            assert_eq!(json, Some(format!("\"{}\"", a.as_str())));
        }
        let cfg = ts_rs::Config::new();
        assert!(
            ApplicationState::decl(&cfg).starts_with("type ApplicationState = \"draft\" | "),
            "{}",
            ApplicationState::decl(&cfg)
        );
    }

    #[test]
    fn the_table_has_25_legal_steps_and_three_ends() {
        let legal: Vec<(S, A, S)> = S::ALL
            .iter()
            .flat_map(|&f| {
                A::ALL
                    .iter()
                    .filter_map(move |&a| next_state(f, a).map(|t| (f, a, t)))
            })
            .collect();
        assert_eq!(legal.len(), 25, "{legal:?}");
        for s in [S::Funded, S::Withdrawn, S::Expired] {
            assert!(
                A::ALL.iter().all(|a| next_state(s, *a).is_none()),
                "{s} is terminal"
            );
        }
        // The happy path, one step at a time.
        let path = [
            (S::Draft, A::MarkReady, S::Ready),
            (S::Ready, A::Submit, S::Submitted),
            (S::Submitted, A::Approve, S::Approved),
            (S::Approved, A::Contract, S::Contracted),
            (S::Contracted, A::Fund, S::Funded),
        ];
        for (from, action, to) in path {
            assert_eq!(next_state(from, action), Some(to));
        }
        // No shortcuts: a draft is not funded, a submission is not contracted before a decision.
        assert_eq!(next_state(S::Draft, A::Fund), None);
        assert_eq!(next_state(S::Submitted, A::Contract), None);
        assert_eq!(next_state(S::Declined, A::Contract), None);
        assert_eq!(next_state(S::Contracted, A::Withdraw), None);
    }

    #[test]
    fn the_step_between_two_states_is_the_one_action_that_takes_it() {
        assert_eq!(action_between(S::Submitted, S::Approved), Some(A::Approve));
        assert_eq!(
            action_between(S::Countered, S::Approved),
            Some(A::AcceptCounter)
        );
        assert_eq!(action_between(S::Declined, S::Draft), Some(A::Rework));
        assert_eq!(action_between(S::Draft, S::Funded), None);
        assert_eq!(action_between(S::Declined, S::Approved), None);
        assert_eq!(
            action_between(S::Draft, S::Draft),
            None,
            "staying put is no step"
        );
        // At most one action joins any two states, so the step is never ambiguous.
        for &f in S::ALL {
            for &t in S::ALL {
                let n = A::ALL
                    .iter()
                    .filter(|a| next_state(f, **a) == Some(t))
                    .count();
                assert!(n <= 1, "{f} -> {t} by {n} actions");
            }
        }
    }

    #[test]
    fn an_application_reaches_every_state_by_steps_except_out_of_the_end_states() {
        assert!(
            reachable(S::Draft, S::Funded),
            "draft, ready, submitted, approved, contracted, funded"
        );
        assert!(
            reachable(S::Declined, S::Approved),
            "reworked and submitted again"
        );
        for end in [S::Funded, S::Withdrawn, S::Expired] {
            for s in ApplicationState::ALL {
                assert!(!reachable(end, *s), "{end} -> {s}");
            }
        }
        assert!(!reachable(S::Draft, S::Draft) || action_between(S::Draft, S::Draft).is_none());
    }
}
