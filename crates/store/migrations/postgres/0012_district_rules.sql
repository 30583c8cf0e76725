-- Rules per district (issue 19, defect 1): a province installation keeps one set of
-- rules for every district and lets a district keep its own deadlines and routing
-- without touching its neighbours'. region_code 0 is the installation's own file;
-- otherwise the district's code.
ALTER TABLE config_files ADD COLUMN region_code BIGINT NOT NULL DEFAULT 0;
ALTER TABLE config_files DROP CONSTRAINT config_files_pkey;
ALTER TABLE config_files ADD PRIMARY KEY (region_code, name);
