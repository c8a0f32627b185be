-- One database per service on the shared server (docker-compose mounts this into
-- /docker-entrypoint-initdb.d; it runs once, on an empty data directory).
CREATE DATABASE matching OWNER daye;
CREATE DATABASE funding OWNER daye;
