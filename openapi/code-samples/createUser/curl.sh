# Registers a user (no token needed). The answer's ETag is the user's version, for If-Match later.
curl -sS -i --fail-with-body \
  --json "{\"name\": \"Ada Lovelace\", \"email\": \"$USER_EMAIL\"}" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/users"
