// The metrics in the Prometheus text format (the token needs the metrics:read scope).
package main

import (
	"cmp"
	"context"
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

	metrics, res, err := client.HealthAPI.GetMetrics(ctx).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	fmt.Print(metrics)
}
