"""AppTest of the Data page's column meanings: shown with their reason, edited in the table.

AppTest cannot click into a data editor's cells, so an edit is seeded the way the browser sends
it: the editor's edit state (``edited_rows``) under its key, then one run.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_app import metric, open_app, texts, upload

STAMPED_CSV = "customer_id,age,stamp,region\n" + "".join(
    f"C{i},{30 + i % 9},{1710498151 + 86_400 * i},{['North', 'South'][i % 2]}\n" for i in range(30)
)


def column_table(app: AppTest):
    return app.data_editor[0].value.set_index("column")


def edit_meaning(app: AppTest, column: str, meaning: str) -> AppTest:
    """Choose a meaning in the column table, as a user does in the browser."""
    row = list(column_table(app).index).index(column)
    editor = app.data_editor[0]
    app.session_state[editor.key] = {
        "edited_rows": {row: {"meaning": meaning}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_column_table_shows_each_meaning_and_why() -> None:
    app = open_app()
    table = column_table(app)
    assert table.loc["email", "meaning"] == "email"
    assert table.loc["email", "meaning_reason"] == (
        "name 'email' and all values are e-mail addresses"
    )
    assert table.loc["monetary", ["label", "meaning"]].tolist() == ["Total spend", "customer_value"]
    assert "Customers are identified by 'customer_id' (customer key)" in texts(app)


def test_a_meaning_edit_flows_like_a_role_edit() -> None:
    app = open_app()
    features = int(metric(app, "Features"))
    app = edit_meaning(app, "occupation", "free_text")
    occupation = column_table(app).loc["occupation"]
    assert occupation[["meaning", "meaning_reason", "role"]].tolist() == [
        "free_text",
        "set by hand",
        "ignore",
    ]
    assert int(metric(app, "Features")) == features - 1
    assert not app.error


def test_a_date_meaning_chosen_by_hand_reads_the_column_as_dates() -> None:
    app = upload(open_app(), "stamped.csv", STAMPED_CSV.encode())
    assert column_table(app).loc["stamp", "type"] == "number"
    app = edit_meaning(app, "stamp", "signup_date")
    stamp = column_table(app).loc["stamp"]
    assert stamp[["type", "meaning"]].tolist() == ["date", "signup_date"]
    assert metric(app, "Customers") == "30"  # the same data, edited


def test_an_impossible_meaning_is_refused_and_the_previous_settings_kept() -> None:
    app = upload(open_app(), "stamped.csv", STAMPED_CSV.encode())
    app = edit_meaning(app, "region", "order_date")
    assert "'region' cannot be the order date" in texts(app)
    assert "The previous column settings are kept." in texts(app)
    assert column_table(app).loc["region", "meaning"] == "region"


# --- the orders form (issue 12): what counts as a purchase, currencies, keys ----------------


def shopify_csv(currencies: tuple[str, ...] = ("USD",), phone: bool = False) -> bytes:
    """A Shopify-like orders export: order fields on each order's first line only."""
    header = "Name,Email,Financial Status,Currency,Total,Refunded Amount,Created at,Paid at,"
    header += "Lineitem quantity,Lineitem price" + (",Phone" if phone else "") + "\n"
    rows = []
    for i in range(16):
        status = ["paid", "paid", "partially_refunded", "pending"][i % 4]
        refund = "5.00" if status == "partially_refunded" else "0"
        code = currencies[(i // 2) % len(currencies)]
        email = "" if phone and i % 8 == 5 else f"c{i % 5}@example.com"
        tail = ",+1 555 010 0000" if phone else ""
        rows.append(
            f"#{1001 + i},{email},{status},{code},30.00,{refund},2024-03-{i + 1:02d} 10:00:00 "
            f"+0000,2024-03-{i + 1:02d} 10:05:00 +0000,1,10.00{tail}"
        )
        rows.append(f"#{1001 + i},,,,,,,,2,10.00" + ("," if phone else ""))
    return (header + "\n".join(rows) + "\n").encode()


def widget(app: AppTest, kind: str, label: str):
    return next(w for w in getattr(app, kind) if w.label == label)


def turn_into_customers(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "Turn orders into customers").click()
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_orders_form_suggests_status_refund_currency_and_order_totals() -> None:
    app = upload(open_app(), "orders_export.csv", shopify_csv())
    assert widget(app, "selectbox", "Customer (id or e-mail)").value == "Email"
    assert widget(app, "selectbox", "Status column").value == "Financial Status"
    assert widget(app, "selectbox", "Refunded amount").value == "Refunded Amount"
    assert widget(app, "selectbox", "Currency column").value == "Currency"
    assert widget(app, "radio", "The amount is").value.startswith("the order's total")
    assert "because there is no customer-id column" in " ".join(c.value for c in app.caption)
    form = [*app.selectbox, *app.radio, *app.checkbox, *app.multiselect]
    assert all(w.help for w in form if w.key and w.key.startswith("orders_")), [
        w.label for w in form if not w.help
    ]
    app = turn_into_customers(app)
    assert metric(app, "Customers") == "5"
    assert "amounts in USD" in texts(app)
    excluded = app.table[0].value.to_string()
    assert "orders with status 'pending'" in excluded and "4" in excluded
    assert "Amounts are in USD (the only currency in the file)." in texts(app)


def test_two_candidate_dates_ask_for_a_confirmation() -> None:
    text = "order_id,customer_id,order_date,invoice_date,total\n" + "".join(
        f"{i},C{i % 4},2024-04-{i + 1:02d},2024-05-{i + 1:02d},10\n" for i in range(12)
    )
    app = upload(open_app(), "orders.csv", text.encode())
    captions = " ".join(c.value for c in app.caption)
    assert "2 columns could be the order date: 'order_date' and 'invoice_date'" in captions
    assert "'order_date' is used; please confirm" in captions


def test_several_currencies_analyse_only_one() -> None:
    app = upload(open_app(), "orders_export.csv", shopify_csv(("USD", "USD", "USD", "EUR")))
    captions = " ".join(c.value for c in app.caption)
    assert "Orders by currency: USD 75 %, EUR 25 %." in captions
    assert widget(app, "radio", "Several currencies").value == "Analyse only one currency"
    widget(app, "selectbox", "Analyse only").set_value("EUR").run()
    app = turn_into_customers(app)
    assert "amounts in EUR" in texts(app)
    assert "orders in USD (only EUR is analysed)" in app.table[0].value.to_string()


def test_several_currencies_converted_with_confirmed_rates() -> None:
    app = upload(open_app(), "orders_export.csv", shopify_csv(("USD", "USD", "EUR")))
    widget(app, "radio", "Several currencies").set_value("Convert with rates I confirm").run()
    editor = next(e for e in app.data_editor if "_rates_" in e.key)
    assert editor.value["currency"].tolist() == ["USD", "EUR"]
    app.session_state[editor.key] = {
        "edited_rows": {1: {"rate": 1.1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app = turn_into_customers(app)
    assert "Confirm the conversion rates" in app.error[0].value
    assert metric(app, "Customers") == "6,000"  # nothing replaced
    widget(app, "checkbox", "These rates are right").check().run()
    app = turn_into_customers(app)
    assert "amounts in USD" in texts(app)
    assert "converted into USD with the rates you confirmed (EUR × 1.1)" in texts(app)


def test_guests_without_email_are_keyed_by_phone_only_when_ticked() -> None:
    app = upload(open_app(), "orders_export.csv", shopify_csv(phone=True))
    box = widget(app, "checkbox", "Key guests without e-mail by phone")
    assert box.value is False
    box.check().run()
    app = turn_into_customers(app)
    assert metric(app, "Customers") == "6"  # 5 e-mail customers and one phone number
    assert "keyed by the phone number in 'Phone'" in texts(app)


def test_an_orders_file_without_a_possible_key_says_why_and_keeps_the_data() -> None:
    text = "Name,Billing Name,Created at,Total\n" + "".join(
        f"#{1000 + i},{['Ann Lee', 'Bo Kim'][i % 2]},2024-04-{i + 1:02d},10\n" for i in range(12)
    )
    app = upload(open_app(), "orders.csv", text.encode())
    assert "no column can identify customers" in app.error[0].value
    assert "'Billing Name' (a person's name is not unique" in app.error[0].value
    assert metric(app, "Customers") == "6,000"
