-- Environments (GEN-4). Each partner has a production and a test environment; the test one is
-- the store connection "<partner>@test". Per partner and use case one of them is active. A
-- missing row means "never run nor switched": the default then follows the configuration.
CREATE TABLE environments (
    partner     TEXT COLLATE "C" NOT NULL,
    use_case    TEXT COLLATE "C" NOT NULL,
    environment TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (partner, use_case)
);

-- Explicit switches between the environments, for the protocol. Each has a run row too
-- (direction "switch_to_<environment>", zero counts), so it shows where runs are listed.
CREATE TABLE environment_switches (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner    TEXT COLLATE "C" NOT NULL,
    use_case   TEXT COLLATE "C" NOT NULL,
    from_env   TEXT COLLATE "C" NOT NULL,
    to_env     TEXT COLLATE "C" NOT NULL,
    by_user    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    run_id     BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX environment_switches_by_time ON environment_switches (at);
CREATE INDEX environment_switches_by_run ON environment_switches (run_id);
