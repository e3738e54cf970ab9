-- Long-running tasks (space deletion…), visible from every node through /rest/api/longtask/{id}.

CREATE TABLE long_task (
    id            BIGINT PRIMARY KEY,
    name          VARCHAR(255) NOT NULL,
    status        VARCHAR(16)  NOT NULL,          -- running | succeeded | failed
    percent       INTEGER      NOT NULL,
    message       TEXT         NOT NULL,
    creator_id    BIGINT       NOT NULL,
    created_ms    BIGINT       NOT NULL,
    finished_ms   BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO id_block (name, next_value) VALUES ('task', 1000);
