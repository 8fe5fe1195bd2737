-- Component functions: a stored module is a WASI preview-1 core module or a component of a
-- platform:function world. Every module stored before this migration is a core module.
ALTER TABLE modules
    ADD COLUMN kind  text NOT NULL DEFAULT 'module' CHECK (kind IN ('module', 'component')),
    ADD COLUMN world text NULL CHECK (world IN ('invoke', 'http')),
    ADD CONSTRAINT modules_world_of_components CHECK ((kind = 'component') = (world IS NOT NULL));
