# The tutorial's registration (deprecated: use POST /users). With Accept: text/plain it answers "<name> -> <email>".
curl -sS -i --fail-with-body \
  --json "{\"name\": \"Ada Lovelace\", \"email\": \"$USER_EMAIL\"}" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/register"
