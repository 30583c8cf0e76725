-- Identity (等保 2.0 身份鉴别): a first password of one's own, its age, a second factor
-- (TOTP, RFC 6238) with single-use recovery codes, and the demo's own accounts, which
-- keep signing in with a password alone.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_pending_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
-- SHA-256 digests of the unused recovery codes, comma-separated.
ALTER TABLE users ADD COLUMN recovery_codes TEXT;
ALTER TABLE users ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET password_changed_at = updated_at;

-- What a session may do before its person has taken a pending step (change_password,
-- enrol_totp): nothing else.
ALTER TABLE sessions ADD COLUMN pending TEXT;
