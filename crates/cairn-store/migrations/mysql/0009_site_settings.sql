-- Site-wide settings that an administrator changes while the cluster runs (read-only mode first),
-- shared by every node through the database; a change is announced in the journal
-- ('settings.changed') so nodes drop what they cached.
CREATE TABLE site_setting (
    setting_key  VARCHAR(64)   NOT NULL PRIMARY KEY,
    value        VARCHAR(1024) NOT NULL,
    modified_ms  BIGINT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
