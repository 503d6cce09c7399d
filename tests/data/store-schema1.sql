-- A store written by graph-aws at schema version 1 (commit 527cf1e), as sqlite3's iterdump prints it.
BEGIN TRANSACTION;
CREATE TABLE account_outcome (
    run_id INTEGER NOT NULL REFERENCES run(id), account_id TEXT NOT NULL, name TEXT,
    outcome TEXT NOT NULL, reason TEXT, finished_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, account_id)
);
INSERT INTO "account_outcome" VALUES(1,'111111111111','Production','ingested',NULL,3000);
INSERT INTO "account_outcome" VALUES(1,'000000000000','management','ingested',NULL,2500);
CREATE TABLE entity (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL
);
INSERT INTO "entity" VALUES('arn:aws:iam::000000000000:root','aws_account','{"_class":["Account"],"_key":"arn:aws:iam::000000000000:root","_type":"aws_account","accountId":"000000000000","displayName":"management","master":true,"name":"management"}');
INSERT INTO "entity" VALUES('arn:aws:iam::111111111111:root','aws_account','{"_class":["Account"],"_key":"arn:aws:iam::111111111111:root","_type":"aws_account","accountId":"111111111111","alias":"prod-alias","displayName":"Production","email":"prod@example.com","mfaEnabled":true,"name":"Production","status":"ACTIVE"}');
INSERT INTO "entity" VALUES('arn:aws:iam::111111111111:user/alice','aws_iam_user','{"_class":["User"],"_key":"arn:aws:iam::111111111111:user/alice","_type":"aws_iam_user","displayName":"alice","name":"alice","path":"/","tag.team":"payments"}');
CREATE TABLE entity_class (
    class TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (class, key)
) WITHOUT ROWID;
INSERT INTO "entity_class" VALUES('Account','arn:aws:iam::000000000000:root');
INSERT INTO "entity_class" VALUES('Account','arn:aws:iam::111111111111:root');
INSERT INTO "entity_class" VALUES('User','arn:aws:iam::111111111111:user/alice');
CREATE TABLE job (
    run_id INTEGER NOT NULL REFERENCES run(id), scope TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
    created INTEGER NOT NULL, updated INTEGER NOT NULL, deleted INTEGER NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (run_id, scope)
);
INSERT INTO "job" VALUES(1,'organization:o-abc123','succeeded',NULL,1000,2000,3,0,0,'{"steps":[]}');
INSERT INTO "job" VALUES(1,'account:111111111111','succeeded',NULL,1000,3000,3,0,0,'{"steps":[]}');
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','1');
CREATE TABLE relationship (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, class TEXT NOT NULL,
    from_key TEXT NOT NULL, to_key TEXT NOT NULL, data TEXT NOT NULL
);
INSERT INTO "relationship" VALUES('arn:aws:iam::000000000000:root|has|arn:aws:iam::111111111111:root','aws_account_has_account','HAS','arn:aws:iam::000000000000:root','arn:aws:iam::111111111111:root','{"_class":"HAS","_fromEntityKey":"arn:aws:iam::000000000000:root","_key":"arn:aws:iam::000000000000:root|has|arn:aws:iam::111111111111:root","_toEntityKey":"arn:aws:iam::111111111111:root","_type":"aws_account_has_account","displayName":"HAS"}');
INSERT INTO "relationship" VALUES('arn:aws:iam::111111111111:root|has|arn:aws:iam::111111111111:user/alice','aws_account_has_iam_user','HAS','arn:aws:iam::111111111111:root','arn:aws:iam::111111111111:user/alice','{"_class":"HAS","_fromEntityKey":"arn:aws:iam::111111111111:root","_key":"arn:aws:iam::111111111111:root|has|arn:aws:iam::111111111111:user/alice","_toEntityKey":"arn:aws:iam::111111111111:user/alice","_type":"aws_account_has_iam_user","displayName":"HAS"}');
CREATE TABLE run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT,
    mode TEXT NOT NULL, organization_id TEXT, settings TEXT NOT NULL
);
INSERT INTO "run" VALUES(1,1796164050754,1796164050755,'succeeded','organization','o-abc123','{"organization":true,"role_name":"Audit"}');
CREATE TABLE scope (
    scope TEXT PRIMARY KEY,
    organization_id TEXT
);
INSERT INTO "scope" VALUES('organization:o-abc123','o-abc123');
INSERT INTO "scope" VALUES('account:111111111111','o-abc123');
CREATE TABLE scope_entity (
    scope TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
INSERT INTO "scope_entity" VALUES('account:111111111111','arn:aws:iam::111111111111:root','aws_account','{"_class":["Account"],"_key":"arn:aws:iam::111111111111:root","_type":"aws_account","accountId":"111111111111","alias":"prod-alias","displayName":"prod-alias","mfaEnabled":true,"name":"prod-alias"}');
INSERT INTO "scope_entity" VALUES('account:111111111111','arn:aws:iam::111111111111:user/alice','aws_iam_user','{"_class":["User"],"_key":"arn:aws:iam::111111111111:user/alice","_type":"aws_iam_user","displayName":"alice","name":"alice","path":"/","tag.team":"payments"}');
INSERT INTO "scope_entity" VALUES('organization:o-abc123','arn:aws:iam::000000000000:root','aws_account','{"_class":["Account"],"_key":"arn:aws:iam::000000000000:root","_type":"aws_account","accountId":"000000000000","displayName":"management","master":true,"name":"management"}');
INSERT INTO "scope_entity" VALUES('organization:o-abc123','arn:aws:iam::111111111111:root','aws_account','{"_class":["Account"],"_key":"arn:aws:iam::111111111111:root","_type":"aws_account","accountId":"111111111111","displayName":"Production","email":"prod@example.com","name":"Production","status":"ACTIVE"}');
CREATE TABLE scope_relationship (
    scope TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
INSERT INTO "scope_relationship" VALUES('account:111111111111','arn:aws:iam::111111111111:root|has|arn:aws:iam::111111111111:user/alice','aws_account_has_iam_user','{"_class":"HAS","_fromEntityKey":"arn:aws:iam::111111111111:root","_key":"arn:aws:iam::111111111111:root|has|arn:aws:iam::111111111111:user/alice","_toEntityKey":"arn:aws:iam::111111111111:user/alice","_type":"aws_account_has_iam_user","displayName":"HAS"}');
INSERT INTO "scope_relationship" VALUES('organization:o-abc123','arn:aws:iam::000000000000:root|has|arn:aws:iam::111111111111:root','aws_account_has_account','{"_class":"HAS","_fromEntityKey":"arn:aws:iam::000000000000:root","_key":"arn:aws:iam::000000000000:root|has|arn:aws:iam::111111111111:root","_toEntityKey":"arn:aws:iam::111111111111:root","_type":"aws_account_has_account","displayName":"HAS"}');
CREATE INDEX scope_entity_key ON scope_entity(key);
CREATE INDEX scope_relationship_key ON scope_relationship(key);
CREATE INDEX entity_type ON entity(type);
CREATE INDEX entity_class_key ON entity_class(key);
CREATE INDEX relationship_from ON relationship(from_key, class);
CREATE INDEX relationship_to ON relationship(to_key, class);
CREATE INDEX relationship_type ON relationship(type);
CREATE INDEX account_outcome_account ON account_outcome(account_id, run_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('run',1);
COMMIT;
