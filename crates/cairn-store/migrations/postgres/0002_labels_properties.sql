-- Labels on content, and versioned content properties (JSON values under a key).

INSERT INTO id_block (name, next_value) VALUES ('label', 1000), ('property', 1000);

CREATE TABLE label (
    id          BIGINT PRIMARY KEY,
    prefix      VARCHAR(16)  NOT NULL,             -- global | my | team
    name        VARCHAR(255) NOT NULL,             -- lower-case
    created_ms  BIGINT       NOT NULL
);
CREATE UNIQUE INDEX label_prefix_name ON label (prefix, name);

CREATE TABLE content_label (
    content_id  BIGINT NOT NULL,
    label_id    BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (content_id, label_id)
);
CREATE INDEX content_label_label ON content_label (label_id);

CREATE TABLE content_property (
    id             BIGINT PRIMARY KEY,
    content_id     BIGINT       NOT NULL,
    property_key   VARCHAR(255) NOT NULL,
    value_json     TEXT         NOT NULL,
    version        INTEGER      NOT NULL,
    modifier_id    BIGINT       NOT NULL,
    modified_ms    BIGINT       NOT NULL
);
CREATE UNIQUE INDEX content_property_key ON content_property (content_id, property_key);
