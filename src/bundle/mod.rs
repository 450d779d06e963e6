//! The support-ticket bundle (owned by the bundle work).
