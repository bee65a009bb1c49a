"""Property: whatever a sheet holds, every data row read is either loaded, rejected with a reason,
or reported as an exact copy of a row before it (W_DUPLICATE_ROW), and nothing crashes."""

import string

from hypothesis import HealthCheck, given, settings, strategies as st

from tests import lake_support
from tests.factories import ORGAN_HEADERS, organ_code, write_csv
from tests.lake_support import new_warehouse

cell = st.one_of(st.just(""), st.text(alphabet=string.ascii_letters + string.digits + "是否-/年月日、，" , max_size=12),
                 st.sampled_from(["330102", "110101", "县级", "市级", "政府", "2025-01-01", organ_code(7)]))
row = st.lists(cell, min_size=5, max_size=5)


# Each example is a load into a fresh warehouse: 25 of them on the file, 6 on DuckLake (seconds each).
@settings(max_examples=6 if lake_support.ENABLED else 25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12))
def test_every_row_is_loaded_or_rejected_with_a_reason(tmp_path_factory, rows):
    from etl import pipeline
    from tests.conftest import JURISDICTION, TODAY
    folder = tmp_path_factory.mktemp("prop")
    rows = [[c.replace(",", "") for c in r] for r in rows]
    path = write_csv(folder / "organs.csv", ORGAN_HEADERS, rows)
    result = pipeline.run([path], pipeline.Settings(new_warehouse(folder / "w.duckdb"), JURISDICTION, TODAY), write=True)
    for sheet in result.files:
        assert sheet.rows_read == sheet.rows_loaded + sheet.rows_rejected + sheet.rows_duplicate
    copies = result.issues.filter(result.issues["rule"] == "W_DUPLICATE_ROW")
    assert copies.height == sum(f.rows_duplicate for f in result.files)
    errors = result.issues.filter(result.issues["severity"] == "error")
    rejected_rows = errors["source_row"].drop_nulls().n_unique()
    assert rejected_rows == sum(f.rows_rejected for f in result.files)
    assert all(m for m in errors["message"].to_list())
