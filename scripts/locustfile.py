"""The visitors `make bench-load` sends (locust): a realistic mix of what the public and journalists do.

Reads the addresses to visit from the JSON file named by BENCH_LOAD_URLS (written by scripts/bench_load.py from
the database under test). Every request says it came through the TLS proxy (X-Forwarded-Proto: https), as in
production, so Django serves it instead of redirecting to HTTPS.
"""

import json
import os
import random

from locust import FastHttpUser, between, task

with open(os.environ["BENCH_LOAD_URLS"], encoding="utf-8") as handle:
    URLS = json.load(handle)

HEADERS = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}


class Visitor(FastHttpUser):
    # A person reads a page for a moment before the next click.
    wait_time = between(0.5, 2)

    def visit(self, name, url):
        with self.client.get(url, name=name, headers=HEADERS, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url} answered {response.status_code}")

    @task(10)
    def home(self):
        self.visit("home", "/")

    @task(15)
    def search(self):
        self.visit("search", "/agreements/?q=" + random.choice(URLS["searches"]))

    @task(20)
    def filtered_list(self):
        self.visit("filtered list", "/agreements/?" + random.choice(URLS["filters"]))

    @task(25)
    def agreement(self):
        self.visit("agreement", random.choice(URLS["agreements"]))

    @task(15)
    def organisation(self):
        self.visit("organisation", random.choice(URLS["organisations"]))

    @task(5)
    def csv_export(self):
        self.visit("CSV export", random.choice(URLS["exports"]))
