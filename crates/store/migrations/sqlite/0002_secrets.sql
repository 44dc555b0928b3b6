-- Credentials encrypted at rest (GEN-5). `sealed` is the text form of immohub-secrets
-- ("v1.<key_id>.<base64url>"), bound to (owner, name); `key_id` names the master key that
-- sealed it, so a wrong key is found without decrypting. Owner = a store connection name
-- ("immomio" or "immomio@test"). Plaintext never reaches the database.
CREATE TABLE secrets (
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
