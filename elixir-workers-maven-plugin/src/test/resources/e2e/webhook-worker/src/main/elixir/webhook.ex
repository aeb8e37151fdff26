# SPDX-License-Identifier: Apache-2.0

# A worker that needs the VM's natives, written as an Elixir developer writes
# one: a Stripe-style webhook whose signature is checked with :crypto.mac/4 and
# :crypto.hash_equals/2, sign-ups validated with a ~r literal and their tags
# split with a regex, and random tokens. For WebhookEndToEndTest.

defmodule Webhook do
  use ElixirWorkers.App, router: Webhook.Router
end
