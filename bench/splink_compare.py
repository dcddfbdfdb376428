"""Splink (with DuckDB) on the same files fupin compares, for BENCHMARKS.md "Comparison".

Usage: python splink_compare.py DIR KIND
  DIR  what `fupin gen --departments` wrote (households.csv, departments/KIND.csv, truth.csv)

The cleaning a competent user would do before linking Chinese records:
- ID numbers upper-cased, stripped to digits and X; old 15-digit numbers upgraded to 18;
- names without spaces and separator dots, traditional characters made simplified (the same
  table fupin uses), and a toneless pinyin column (pypinyin) for homophones;
- birth date and sex taken from the ID number where the list lacks them;
- the village code kept at the digits the list has.

The model is Splink's Fellegi–Sunter: u by random sampling, m by expectation–maximisation on
two blocking rules, term-frequency adjustment on the name. Predictions are blocked on the ID
number, the birth date, the swapped birth date, pinyin + birth year, and address + sequence
digits — the same candidates fupin considers (the last four only for records without a valid
number, as fupin does). Each record's best candidate at probability
>= 0.95 is its link (fupin's default match threshold).
"""

import csv
import os
import resource
import sys
import time

import duckdb
from pypinyin import lazy_pinyin
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl
import splink.comparison_level_library as cll

MATCH = 0.95
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(first17):
    s = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return "10X98765432"[s % 11]


def clean_id(text):
    t = "".join(c for c in (text or "").upper() if c.isdigit() or c == "X")
    if len(t) == 15 and t.isdigit():
        first17 = t[:6] + "19" + t[6:]
        t = first17 + check_char(first17)
    return t or None


def t2s_table(here):
    table = {}
    path = os.path.join(here, "..", "crates", "fupin-core", "data", "t2s.txt")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) == 2:
                table[ord(parts[0])] = parts[1]
    return table


def main():
    data, kind = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    t2s = t2s_table(here)
    started = time.time()
    con = duckdb.connect()
    con.execute("SET threads TO 2")

    def clean_name(n):
        return "".join(c for c in (n or "") if not c.isspace() and c not in "·•・.").translate(t2s) or None

    def pinyin(n):
        return " ".join(lazy_pinyin(n)) if n else None

    con.create_function("clean_id", clean_id, ["VARCHAR"], "VARCHAR")
    con.create_function("clean_name", clean_name, ["VARCHAR"], "VARCHAR")
    con.create_function("py", pinyin, ["VARCHAR"], "VARCHAR")

    def valid_id(t):
        return bool(t) and len(t) == 18 and t[:17].isdigit() and check_char(t[:17]) == t[17]

    con.create_function("valid_id", valid_id, ["VARCHAR"], "BOOLEAN")
    members = f"{data}/households.csv"
    records = f"{data}/departments/{kind}.csv"
    has_place = "参保地代码" in open(records, encoding="utf-8-sig").readline() or "地区代码" in open(records, encoding="utf-8-sig").readline()
    place_col = "参保地代码" if kind == "medical" else "地区代码"
    key_col = open(records, encoding="utf-8-sig").readline().split(",")[0].strip().lstrip("\ufeff")
    con.execute(f"""
        CREATE TABLE l AS SELECT
            '{'m'}' || row_number() OVER () AS unique_id,
            clean_id("证件号码") AS id_number,
            clean_name("姓名") AS name,
            "性别" AS sex,
            CAST("出生日期" AS VARCHAR) AS birth_date,
            CAST("村级区划代码" AS VARCHAR) AS place
        FROM read_csv('{members}', all_varchar = true)
    """)
    con.execute(f"""
        CREATE TABLE r0 AS SELECT
            "{key_col}" AS record_key,
            clean_id("身份证号") AS id_number,
            clean_name("姓名") AS name,
            "性别" AS sex,
            CAST("出生日期" AS VARCHAR) AS birth_date,
            {f'CAST("{place_col}" AS VARCHAR)' if has_place else 'NULL'} AS place
        FROM read_csv('{records}', all_varchar = true)
    """)
    con.execute("""
        CREATE TABLE r AS SELECT
            'r' || row_number() OVER () AS unique_id, record_key, id_number, name,
            COALESCE(sex, CASE WHEN length(id_number) = 18 AND regexp_matches(substr(id_number, 17, 1), '[0-9]')
                THEN CASE WHEN CAST(substr(id_number, 17, 1) AS INT) % 2 = 1 THEN '男' ELSE '女' END END) AS sex,
            COALESCE(birth_date, CASE WHEN length(id_number) = 18
                THEN substr(id_number, 7, 4) || '-' || substr(id_number, 11, 2) || '-' || substr(id_number, 13, 2) END) AS birth_date,
            place
        FROM r0
    """)
    for t in ["l", "r"]:
        con.execute(f"""
            CREATE OR REPLACE TABLE {t} AS SELECT *,
                py(name) AS name_py,
                substr(birth_date, 1, 4) AS birth_year,
                substr(birth_date, 1, 4) || '-' || substr(birth_date, 9, 2) || '-' || substr(birth_date, 6, 2) AS birth_swapped,
                CASE WHEN length(id_number) = 18 THEN substr(id_number, 1, 6) || substr(id_number, 15, 3) END AS addr_seq,
                COALESCE(valid_id(id_number), false) AS id_valid
            FROM {t}
        """)
    prepared = time.time() - started

    place_levels = [
        cll.NullLevel("place"),
        cll.ExactMatchLevel("place"),
        cll.CustomLevel("substr(place_l, 1, 9) = substr(place_r, 1, 9) AND length(place_r) >= 9", "same township"),
        cll.CustomLevel("substr(place_l, 1, 6) = substr(place_r, 1, 6)", "same county"),
        cll.ElseLevel(),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.LevenshteinAtThresholds("id_number", [1]),
            cl.CustomComparison(
                output_column_name="name",
                comparison_levels=[
                    cll.NullLevel("name"),
                    cll.ExactMatchLevel("name", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("name_py"),
                    cll.LevenshteinLevel("name", 1),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="birth_date",
                comparison_levels=[
                    cll.NullLevel("birth_date"),
                    cll.ExactMatchLevel("birth_date"),
                    cll.CustomLevel("birth_date_l = birth_swapped_r", "day and month swapped"),
                    cll.LevenshteinLevel("birth_date", 1),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("sex"),
            cl.CustomComparison(output_column_name="place", comparison_levels=place_levels),
        ],
        # a valid number joins exactly; only the records without one are blocked on the rest
        # (blocking every record on its birth date would compare a province's lists ~100 times over)
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            "l.birth_date = r.birth_date AND NOT r.id_valid",
            "l.birth_date = r.birth_swapped AND NOT r.id_valid",
            "l.name_py = r.name_py AND l.birth_year = r.birth_year AND NOT r.id_valid",
            "l.addr_seq = r.addr_seq AND NOT r.id_valid",
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker([con.table("l"), con.table("r")], settings, db_api=DuckDBAPI(connection=con))
    linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_py", "birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    con.execute(f"CREATE TABLE pred AS SELECT * FROM {pred.physical_name}")
    best = con.execute(f"""
        SELECT r.record_key, l.id_number
        FROM (SELECT unique_id_l, unique_id_r, match_probability,
                     row_number() OVER (PARTITION BY unique_id_r ORDER BY match_probability DESC) AS k
              FROM pred) p
        JOIN l ON l.unique_id = p.unique_id_l JOIN r ON r.unique_id = p.unique_id_r
        WHERE p.k = 1 AND p.match_probability >= {MATCH}
    """).fetchall()
    elapsed = time.time() - started
    linked = dict(best)
    valid = {k: v for k, v in con.execute("SELECT record_key, id_number FROM r").fetchall()}

    counts = {"exact": [0, 0, 0, 0], "fuzzy": [0, 0, 0, 0], "namesakes": [0, 0, 0, 0]}
    with open(f"{data}/departments/truth.csv", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["数据类别"] != kind:
                continue
            key, truth = row["记录编号"], row["真实身份证号"]
            got = linked.get(key, "")
            rid = valid.get(key) or ""
            ok_id = len(rid) == 18 and rid[:17].isdigit() and check_char(rid[:17]) == rid[17]
            parts = ["exact" if ok_id else "fuzzy"] + (["namesakes"] if row["来源"] == "namesake" else [])
            for p in parts:
                c = counts[p]
                c[0] += 1
                if got and got == truth:
                    c[1] += 1
                else:
                    c[2] += bool(got)
                    c[3] += bool(truth)

    def prf(c):
        p = c[1] / (c[1] + c[2]) if c[1] + c[2] else 1.0
        r = c[1] / (c[1] + c[3]) if c[1] + c[3] else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    print(f"splink {elapsed:.1f} s (cleaning and loading {prepared:.1f} s); peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for name, c in counts.items():
        p, r, f1 = prf(c)
        print(f"{name:<10} records {c[0]:>8}  P {p:.4f}  R {r:.4f}  F1 {f1:.4f}  (tp {c[1]}, fp {c[2]}, fn {c[3]})")


if __name__ == "__main__":
    main()
