"""What AWS would bill a request: DynamoDB capacity units, counted by the fault proxy."""
import json


def dynamodb_item_bytes(item):
    """An item's size as DynamoDB bills it: attribute names plus values (strings and binaries by
    their bytes, numbers about one byte per two digits, maps and lists three bytes plus their
    elements, one byte per element)."""
    def value(v):
        kind, content = next(iter(v.items()))
        if kind in ("S", "B"):
            return len(content.encode() if isinstance(content, str) else content)
        if kind == "N":
            return (len(content.lstrip("-").replace(".", "")) + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value(x) + 1 for k, x in content.items())
        if kind == "L":
            return 3 + sum(value(x) + 1 for x in content)
        if kind in ("SS", "NS", "BS"):
            return sum(len(str(x).encode()) for x in content)
        return 0
    return sum(len(name.encode()) + value(v) for name, v in item.items())


def dynamodb_units(operation, request, response, indexes=None, seen=None):
    """Write or read units one DynamoDB request costs, from the item it wrote or read (for an
    update, the item after it: DynamoDB bills the larger of before and after, and these only grow),
    with what it costs the table's global secondary indexes as DynamoDB's documentation bills them:
    an entry put or removed is one write, a changed index key two (the old out, the new in), a
    changed projected attribute one, anything else none. `indexes` maps a table to its indexes,
    each (key attributes, projected attributes or None for all); `seen` (a dict kept between
    calls) remembers each item as last written, to tell what changed."""
    import math
    try:
        sent, answer = json.loads(request or b"{}"), json.loads(response or b"{}")
    except ValueError:
        return 0
    kb = lambda item: max(1, math.ceil(dynamodb_item_bytes(item) / 1024))  # noqa: E731
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        if "__type" in answer:  # refused (a failed condition): nothing written
            return kb(sent.get("Item") or sent.get("Key") or {})
        table = sent.get("TableName")
        after = None if operation == "DeleteItem" else (sent.get("Item") or answer.get("Attributes") or {})
        key = json.dumps(sent.get("Key") or {k: v for k, v in (after or {}).items() if k == "imageId"}, sort_keys=True)
        before = (seen if seen is not None else {}).get((table, key))
        units = kb(after or before or sent.get("Key") or {})
        for keys, projected in (indexes or {}).get(table, []):
            def entry(item):
                if item is None or not all(k in item for k in keys):
                    return None
                return item if projected is None else {k: v for k, v in item.items() if k in set(keys) | set(projected) | {"imageId"}}
            old, new = entry(before), entry(after)
            if old is None and new is None:
                continue
            if old is None or new is None:
                units += kb(old or new)
            elif any(old.get(k) != new.get(k) for k in keys):
                units += 2 * kb(new)
            elif old != new:
                units += kb(new)
        if seen is not None:
            seen[(table, key)] = after
        return units
    if operation == "BatchWriteItem":
        writes = [w for table in sent.get("RequestItems", {}).values() for w in table]
        return sum(kb(w["PutRequest"]["Item"]) if "PutRequest" in w else 1 for w in writes)
    if operation == "GetItem":
        units = max(1, math.ceil(dynamodb_item_bytes(answer.get("Item", {})) / 4096))
        return units if sent.get("ConsistentRead") else units / 2
    if operation == "Query":
        units = max(1, math.ceil(sum(dynamodb_item_bytes(i) for i in answer.get("Items", [])) / 4096))
        return units if sent.get("ConsistentRead") else units / 2
    if operation == "BatchGetItem":
        consistent = any(t.get("ConsistentRead") for t in sent.get("RequestItems", {}).values())
        units = sum(max(1, math.ceil(dynamodb_item_bytes(i) / 4096)) for items in answer.get("Responses", {}).values() for i in items)
        return units if consistent else units / 2
    return 0
