-module(no_start).
-export([run/0]).

run() -> ok.
