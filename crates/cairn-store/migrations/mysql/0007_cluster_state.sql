-- Cluster state, shared through the database only: the node registry, the change journal every node
-- tails, and leases for jobs that must run once per cluster. Every time in these tables is the
-- DATABASE's clock (epoch milliseconds), so nodes with skewed clocks still agree on ages and expiry.

-- One row per node process. heartbeat_ms is rewritten every second or two; a node whose heartbeat is
-- older than the dead-after setting is shown dead, and removed after an hour. journal_position is the
-- node's low-water mark in cluster_journal (everything at or below it has been applied), which the
-- pruning job reads.
CREATE TABLE cluster_node (
    node_id             VARCHAR(64)  PRIMARY KEY,
    address             VARCHAR(255) NOT NULL,
    version             VARCHAR(64)  NOT NULL,
    started_ms          BIGINT       NOT NULL,
    heartbeat_ms        BIGINT       NOT NULL,
    state               VARCHAR(16)  NOT NULL,      -- running | stopping | stopped
    requests_in_flight  INTEGER      NOT NULL,
    requests_total      BIGINT       NOT NULL,
    journal_position    BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The ordered log of changes. Rows are written in the same transaction as the change they describe.
-- Ids come from the database (a sequence / AUTO_INCREMENT) at insert time, while transactions commit
-- in another order: readers must tail with the gap rule (see journal.rs), never plain id > last.
CREATE TABLE cluster_journal (
    id          BIGINT        AUTO_INCREMENT PRIMARY KEY,
    created_ms  BIGINT        NOT NULL,
    kind        VARCHAR(64)   NOT NULL,             -- content.updated, session.revoked...
    entity_id   BIGINT,                             -- the content, space, user or group changed
    space_id    BIGINT,                             -- the space it is in, when there is one
    payload     VARCHAR(1024) NOT NULL              -- small detail (content type, label name...)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX cluster_journal_created ON cluster_journal (created_ms);

-- Leases of singleton jobs. Taken and renewed with one conditional UPDATE (holder is us, or the lease
-- expired in database time), which is atomic on every dialect. A holder that cannot renew in time
-- stops its job before the lease can pass to another node.
CREATE TABLE cluster_lease (
    name         VARCHAR(64) PRIMARY KEY,
    holder       VARCHAR(64) NOT NULL,              -- '' when nobody holds it
    acquired_ms  BIGINT      NOT NULL,
    expires_ms   BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO cluster_lease (name, holder, acquired_ms, expires_ms) VALUES ('journal-prune', '', 0, 0), ('session-sweep', '', 0, 0), ('blob-sweep', '', 0, 0);
