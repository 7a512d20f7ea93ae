// The tutorial's list, here only the user with that email (deprecated: use ListUsers).
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
	ctx := context.WithValue(context.Background(), usersapi.ContextAccessToken, os.Getenv("USERS_API_TOKEN"))

	users, res, err := client.LegacyAPI.LegacyListUsers(ctx).Email(os.Getenv("USER_EMAIL")).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	body, _ := json.MarshalIndent(users, "", "  ")
	fmt.Println(string(body))
}
