-- Rules per district (issue 19, defect 1): a province installation keeps one set of
-- rules for every district and lets a district keep its own deadlines and routing
-- without touching its neighbours'. region_code 0 is the installation's own file;
-- otherwise the district's code. SQLite cannot change a primary key in place.
CREATE TABLE config_files_new (
    region_code INTEGER NOT NULL DEFAULT 0,
    name        TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (region_code, name)
);
INSERT INTO config_files_new (region_code, name, content, updated_by, updated_at)
    SELECT 0, name, content, updated_by, updated_at FROM config_files;
DROP TABLE config_files;
ALTER TABLE config_files_new RENAME TO config_files;
