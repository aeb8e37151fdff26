-module(erlfun).
-export([go/0]).

go() -> gone.
