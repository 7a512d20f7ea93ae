# BASELINE FOR THE BENCHMARK, NOT PART OF THE PRODUCT.
#
# The Flask tutorial's four routes (GET /user, POST /register, PATCH /user, DELETE /delete),
# completed with pymongo the way the tutorial would go on: the same JSON shapes as the service,
# email lookups by the lower-cased `emailKey` under a unique index, and nothing else: no
# validation, no auth, no logging. `npm run bench` runs it under `gunicorn -w 2` to show where
# the tutorial's own stack stands. Never deploy it: it trusts every input.
#
# Environment: MONGODB_URI, with the database name in its path.
import os
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from pymongo import MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

app = Flask(__name__)
# One client per gunicorn worker: this module is imported after the fork.
users = MongoClient(os.environ["MONGODB_URI"]).get_default_database()["users"]
users.create_index("emailKey", unique=True, name="emailKey_unique")


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def view(doc):
    return {
        "id": str(doc["_id"]),
        "name": doc["name"],
        "email": doc["email"],
        "createdAt": iso(doc["createdAt"]),
        "updatedAt": iso(doc["updatedAt"]),
    }


def now():
    # pymongo hands back naive UTC datetimes; store the same kind.
    return datetime.now(timezone.utc).replace(tzinfo=None)


@app.route("/user", methods=["GET"])
def list_users():
    email = request.args.get("email")
    if email is not None:
        doc = users.find_one({"emailKey": email.lower()})
        return jsonify([view(doc)] if doc else [])
    return jsonify([view(doc) for doc in users.find().sort("_id", 1).limit(100)])


@app.route("/register", methods=["POST"])
def register():
    data = request.get_json()
    moment = now()
    doc = {
        "name": data["name"],
        "email": data["email"],
        "emailKey": data["email"].lower(),
        "version": 1,
        "createdAt": moment,
        "updatedAt": moment,
    }
    try:
        users.insert_one(doc)
    except DuplicateKeyError:
        return jsonify({"error": "email taken"}), 409
    return jsonify(view(doc)), 201, {"Location": f"/users/{doc['_id']}"}


@app.route("/user", methods=["PATCH"])
def update_user():
    data = request.get_json()
    payload = data.get("payload", {})
    changes = {"updatedAt": now()}
    if "name" in payload:
        changes["name"] = payload["name"]
    if "email" in payload:
        changes["email"] = payload["email"]
        changes["emailKey"] = payload["email"].lower()
    doc = users.find_one_and_update(
        {"emailKey": data["query"]["email"].lower()},
        {"$set": changes, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        return jsonify({"error": "not found"}), 404
    return jsonify(view(doc))


@app.route("/delete", methods=["DELETE"])
def delete_user():
    data = request.get_json()
    if users.delete_one({"emailKey": data["email"].lower()}).deleted_count == 0:
        return jsonify({"error": "not found"}), 404
    return "", 204
