-- Credentials encrypted at rest (GEN-5). `sealed` is the text form of immohub-secrets
-- ("v1.<key_id>.<base64url>"), bound to (owner, name); `key_id` names the master key that
-- sealed it, so a wrong key is found without decrypting. Owner = a store connection name
-- ("immomio" or "immomio@test"). Plaintext never reaches the database.
CREATE TABLE secrets (
    owner      TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    sealed     TEXT NOT NULL,
    key_id     TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner, name)
);
