-- Environments (GEN-4). Each partner has a production and a test environment; the test one is
-- the store connection "<partner>@test". Per partner and use case one of them is active. A
-- missing row means "never run nor switched": the default then follows the configuration.
CREATE TABLE environments (
    partner     TEXT NOT NULL,
    use_case    TEXT NOT NULL,
    environment TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (partner, use_case)
);

-- Explicit switches between the environments, for the protocol. Each has a run row too
-- (direction "switch_to_<environment>", zero counts), so it shows where runs are listed.
CREATE TABLE environment_switches (
    id         INTEGER PRIMARY KEY,
    partner    TEXT NOT NULL,
    use_case   TEXT NOT NULL,
    from_env   TEXT NOT NULL,
    to_env     TEXT NOT NULL,
    by_user    TEXT NOT NULL,
    at         TEXT NOT NULL,
    run_id     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX environment_switches_by_time ON environment_switches (at);
CREATE INDEX environment_switches_by_run ON environment_switches (run_id);
