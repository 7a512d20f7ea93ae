// Registers a user (no token needed). The answer's ETag is the user's version, for IfMatch later.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	usersapi "example.com/users-api/go-client"
)

func main() {
	config := usersapi.NewConfiguration()
	config.Servers = usersapi.ServerConfigurations{{URL: cmp.Or(os.Getenv("USERS_API_URL"), "http://127.0.0.1:5000")}}
	client := usersapi.NewAPIClient(config)
	ctx := context.Background()

	registration := usersapi.NewUserRegistration("Ada Lovelace", os.Getenv("USER_EMAIL"))
	user, res, err := client.UsersAPI.CreateUser(ctx).UserRegistration(*registration).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	fmt.Println("ETag:", res.Header.Get("ETag"))
	body, _ := json.MarshalIndent(user, "", "  ")
	fmt.Println(string(body))
}
