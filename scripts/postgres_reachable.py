"""Exit 0 if the PostgreSQL server in the DATABASE_URL given as argument answers, else print why and exit 1.

`make test-postgres` runs the suite on PostgreSQL only when this says the server is there.
"""

import sys

import dj_database_url
import psycopg


def main(url):
    db = dj_database_url.parse(url)
    try:
        # The server's own maintenance database: the test database is created later by the test run.
        psycopg.connect(
            dbname="postgres",
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error as error:
        print(f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']}: {str(error).strip()}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
