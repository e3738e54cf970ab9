-- The audit log: who did what to which object, when and from where. One row per action, written by
-- the application layer once the action has committed; read by site administrators (the audit
-- screen, /rest/api/audit and its CSV export) and pruned past the retention setting.
CREATE TABLE audit_record (
    id              BIGINT        AUTO_INCREMENT PRIMARY KEY,
    created_ms      BIGINT        NOT NULL,
    author_id       BIGINT,                         -- NULL when nobody signed in (a failed login)
    author_name     VARCHAR(255)  NOT NULL,         -- username, or what was typed at a failed login
    author_display  VARCHAR(255)  NOT NULL,
    remote_address  VARCHAR(64)   NOT NULL,
    category        VARCHAR(64)   NOT NULL,         -- Security, Permissions, Users and groups...
    summary         VARCHAR(255)  NOT NULL,         -- "Space created", "User deactivated"...
    description     VARCHAR(1024) NOT NULL,
    sys_admin       SMALLINT      NOT NULL,         -- 1 when done as a site administrator
    object_type     VARCHAR(64)   NOT NULL,         -- Space, Page, User, Group, Setting...
    object_name     VARCHAR(255)  NOT NULL,
    object_id       VARCHAR(64)   NOT NULL,
    associated      TEXT          NOT NULL,         -- JSON list of {name, objectType}
    changed_values  TEXT          NOT NULL,         -- JSON list of {name, oldValue, newValue}
    search_text     VARCHAR(2048) NOT NULL          -- lower-cased words searchString matches
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX audit_record_created ON audit_record (created_ms);
