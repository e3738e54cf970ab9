-- Global permissions (Confluence's): can use, create space, create personal space, administer and
-- system administrator, granted to a user, a group or anonymous visitors (subject_id 0). Anonymous
-- access is the anonymous "can use" grant, off by default. Site administration follows the two
-- administration grants; confluence-administrators always holds them.
CREATE TABLE global_permission (
    permission    VARCHAR(32) NOT NULL,     -- USECONFLUENCE, CREATESPACE, PERSONALSPACE...
    subject_type  VARCHAR(16) NOT NULL,     -- user | group | anonymous
    subject_id    BIGINT      NOT NULL,     -- the user or group id; 0 for anonymous
    PRIMARY KEY (permission, subject_type, subject_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO global_permission (permission, subject_type, subject_id) VALUES
    ('USECONFLUENCE', 'group', 1),
    ('CREATESPACE', 'group', 1),
    ('PERSONALSPACE', 'group', 1),
    ('USECONFLUENCE', 'group', 2),
    ('CREATESPACE', 'group', 2),
    ('PERSONALSPACE', 'group', 2),
    ('ADMINISTRATECONFLUENCE', 'group', 2),
    ('SYSTEMADMINISTRATOR', 'group', 2);
