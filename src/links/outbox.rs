//! Outbox (placeholder).
