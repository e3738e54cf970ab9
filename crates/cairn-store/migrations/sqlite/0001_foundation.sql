-- Cairn foundation schema (SQLite). The same version exists for SQLite and MySQL; a test checks that.
-- Portable types: booleans are SMALLINT (0/1), times are BIGINT epoch milliseconds (UTC).

-- Block id allocator: each node reserves a range of ids in one short transaction (hi/lo), so inserts
-- need no RETURNING and no round trip per row. Ids stay below 2^53 for JavaScript clients.
CREATE TABLE id_block (
    name        VARCHAR(64) PRIMARY KEY,
    next_value  BIGINT NOT NULL
);
-- Content ids start where Confluence's do, so they look familiar.
INSERT INTO id_block (name, next_value) VALUES ('content', 65536), ('space', 98304), ('user', 1000), ('group', 1000), ('token', 1000);

CREATE TABLE app_user (
    id             BIGINT PRIMARY KEY,
    username       VARCHAR(191) NOT NULL UNIQUE,   -- lower-case
    user_key       VARCHAR(64)  NOT NULL UNIQUE,
    display_name   VARCHAR(255) NOT NULL,
    email          VARCHAR(255) NOT NULL,
    password_hash  VARCHAR(255) NOT NULL,           -- argon2 PHC string
    active         SMALLINT     NOT NULL,
    created_ms     BIGINT       NOT NULL
);

CREATE TABLE user_group (
    id          BIGINT PRIMARY KEY,
    name        VARCHAR(191) NOT NULL UNIQUE,      -- lower-case
    created_ms  BIGINT       NOT NULL
);
INSERT INTO user_group (id, name, created_ms) VALUES (1, 'confluence-users', 0), (2, 'confluence-administrators', 0);

CREATE TABLE group_member (
    group_id  BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_member_user ON group_member (user_id);

-- Login sessions live in the database so any node can serve any request. Only a hash of the
-- cookie value is stored.
CREATE TABLE user_session (
    token_hash    CHAR(64) PRIMARY KEY,
    user_id       BIGINT   NOT NULL,
    created_ms    BIGINT   NOT NULL,
    expires_ms    BIGINT   NOT NULL
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Personal access tokens (HTTP Bearer). Only a hash of the token is stored.
CREATE TABLE access_token (
    id            BIGINT PRIMARY KEY,
    user_id       BIGINT       NOT NULL,
    name          VARCHAR(255) NOT NULL,
    token_hash    CHAR(64)     NOT NULL UNIQUE,
    created_ms    BIGINT       NOT NULL,
    expires_ms    BIGINT,                          -- NULL: never expires
    last_used_ms  BIGINT
);
CREATE INDEX access_token_user ON access_token (user_id);

CREATE TABLE space (
    id            BIGINT PRIMARY KEY,
    space_key     VARCHAR(255) NOT NULL UNIQUE,
    name          VARCHAR(255) NOT NULL,
    description   TEXT         NOT NULL,
    space_type    VARCHAR(16)  NOT NULL,           -- global | personal
    status        VARCHAR(16)  NOT NULL,           -- current | archived
    homepage_id   BIGINT,
    creator_id    BIGINT       NOT NULL,
    created_ms    BIGINT       NOT NULL
);

-- Pages and blog posts as they are now; every version (the latest included) is in content_version.
CREATE TABLE content (
    id                 BIGINT PRIMARY KEY,
    content_type       VARCHAR(16)  NOT NULL,      -- page | blogpost
    status             VARCHAR(16)  NOT NULL,      -- current | trashed
    space_id           BIGINT       NOT NULL,
    parent_id          BIGINT,
    position           BIGINT,                     -- NULL: "none" (the space home page)
    title              VARCHAR(255) NOT NULL,
    -- lower(title) while current, NULL in the trash: the unique index below makes titles unique per
    -- space and type among live content, enforced by the database even under concurrent creates.
    live_title         VARCHAR(255),
    body               TEXT         NOT NULL,
    version            INTEGER      NOT NULL,
    creator_id         BIGINT       NOT NULL,
    created_ms         BIGINT       NOT NULL,
    last_modifier_id   BIGINT       NOT NULL,
    last_modified_ms   BIGINT       NOT NULL,
    version_message    TEXT         NOT NULL,
    minor_edit         SMALLINT     NOT NULL,
    trashed_ms         BIGINT
);
CREATE UNIQUE INDEX content_live_title ON content (space_id, content_type, live_title);
CREATE INDEX content_children ON content (parent_id, status, position, id);
CREATE INDEX content_space_listing ON content (space_id, content_type, status, id);
CREATE INDEX content_recent ON content (status, last_modified_ms);

CREATE TABLE content_version (
    content_id   BIGINT       NOT NULL,
    number       INTEGER      NOT NULL,
    title        VARCHAR(255) NOT NULL,
    body         TEXT         NOT NULL,
    author_id    BIGINT       NOT NULL,
    created_ms   BIGINT       NOT NULL,
    message      TEXT         NOT NULL,
    minor_edit   SMALLINT     NOT NULL,
    PRIMARY KEY (content_id, number)
);
