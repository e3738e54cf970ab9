-- Space permissions and content restrictions.

-- What a space grants, and to whom. subject_type is user | group | anonymous; subject_id is the user's
-- or group's id (0 for anonymous, so the primary key needs no NULL). permission is Confluence's name
-- (VIEWSPACE, EDITSPACE…), so JSON-RPC getSpacePermissionSets reads it as it is.
CREATE TABLE space_permission (
    space_id      BIGINT      NOT NULL,
    permission    VARCHAR(32) NOT NULL,
    subject_type  VARCHAR(16) NOT NULL,
    subject_id    BIGINT      NOT NULL,
    PRIMARY KEY (space_id, permission, subject_type, subject_id)
);
CREATE INDEX space_permission_subject ON space_permission (subject_type, subject_id);

-- Who may read or update one page or blog post. No row for an operation: no restriction. A read
-- restriction also hides every page below (checked by walking parent_id); an update one does not.
CREATE TABLE content_restriction (
    content_id    BIGINT      NOT NULL,
    operation     VARCHAR(16) NOT NULL,          -- read | update
    subject_type  VARCHAR(16) NOT NULL,          -- user | group
    subject_id    BIGINT      NOT NULL,
    PRIMARY KEY (content_id, operation, subject_type, subject_id)
);
CREATE INDEX content_restriction_operation ON content_restriction (operation, content_id);

-- Spaces made before permissions existed were open to every user: they keep that (the defaults a new
-- space gets), and their creators administer them.
INSERT INTO space_permission (space_id, permission, subject_type, subject_id)
SELECT s.id, p.permission, 'group', 1 FROM space s CROSS JOIN (SELECT 'VIEWSPACE' AS permission UNION ALL SELECT 'EDITSPACE' AS permission UNION ALL SELECT 'EDITBLOG' AS permission UNION ALL SELECT 'COMMENT' AS permission UNION ALL SELECT 'CREATEATTACHMENT' AS permission UNION ALL SELECT 'REMOVEOWNCONTENT' AS permission UNION ALL SELECT 'SETPAGEPERMISSIONS' AS permission UNION ALL SELECT 'EXPORTSPACE' AS permission) p;
INSERT INTO space_permission (space_id, permission, subject_type, subject_id)
SELECT s.id, p.permission, 'user', s.creator_id FROM space s CROSS JOIN (SELECT 'VIEWSPACE' AS permission UNION ALL SELECT 'EDITSPACE' AS permission UNION ALL SELECT 'EDITBLOG' AS permission UNION ALL SELECT 'COMMENT' AS permission UNION ALL SELECT 'CREATEATTACHMENT' AS permission UNION ALL SELECT 'REMOVEPAGE' AS permission UNION ALL SELECT 'REMOVEBLOG' AS permission UNION ALL SELECT 'REMOVECOMMENT' AS permission UNION ALL SELECT 'REMOVEATTACHMENT' AS permission UNION ALL SELECT 'REMOVEOWNCONTENT' AS permission UNION ALL SELECT 'SETPAGEPERMISSIONS' AS permission UNION ALL SELECT 'SETSPACEPERMISSIONS' AS permission UNION ALL SELECT 'EXPORTSPACE' AS permission) p;
