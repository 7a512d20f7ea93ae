// The first page of users, oldest first. To get the next page, pass its NextCursor to Cursor.
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

	page, res, err := client.UsersAPI.ListUsers(ctx).Limit(10).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	body, _ := json.MarshalIndent(page, "", "  ")
	fmt.Println(string(body))
}
