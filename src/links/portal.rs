//! The customer-facing web server (placeholder).
