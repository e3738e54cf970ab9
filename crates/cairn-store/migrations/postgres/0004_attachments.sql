-- Attachments: files on pages and blog posts (their container), versioned. The bytes of each version
-- live in the blob store under `blob_key`; rows are committed only after the bytes are stored.
-- Attachment ids come from the content sequence, as in Confluence.

CREATE TABLE attachment (
    id                 BIGINT PRIMARY KEY,
    container_id       BIGINT       NOT NULL,
    space_id           BIGINT       NOT NULL,
    title              VARCHAR(255) NOT NULL,         -- the file name
    -- the title while current, NULL in the trash: file names are unique per container
    live_title         VARCHAR(255),
    status             VARCHAR(16)  NOT NULL,         -- current | trashed
    version            INTEGER      NOT NULL,
    media_type         VARCHAR(255) NOT NULL,
    size_bytes         BIGINT       NOT NULL,
    comment            TEXT         NOT NULL,
    creator_id         BIGINT       NOT NULL,
    created_ms         BIGINT       NOT NULL,
    last_modifier_id   BIGINT       NOT NULL,
    last_modified_ms   BIGINT       NOT NULL
);
CREATE UNIQUE INDEX attachment_live_title ON attachment (container_id, live_title);

CREATE TABLE attachment_version (
    attachment_id  BIGINT       NOT NULL,
    number         INTEGER      NOT NULL,
    media_type     VARCHAR(255) NOT NULL,
    size_bytes     BIGINT       NOT NULL,
    sha256         VARCHAR(64)  NOT NULL,      -- VARCHAR: PostgreSQL CHAR (bpchar) does not decode through sqlx Any
    blob_key       VARCHAR(512) NOT NULL,
    comment        TEXT         NOT NULL,
    minor_edit     SMALLINT     NOT NULL,
    author_id      BIGINT       NOT NULL,
    created_ms     BIGINT       NOT NULL,
    PRIMARY KEY (attachment_id, number)
);
