-- Staged rows are scratch: a dry run's decisions kept for the commit that follows it. If they are
-- lost (an unlogged table is emptied after a crash), the commit finds fewer rows than the dry run
-- counted and reads the file again. Not writing them to the WAL makes staging and clearing 100k
-- rows cheaper.
ALTER TABLE "import_staging" SET UNLOGGED;
