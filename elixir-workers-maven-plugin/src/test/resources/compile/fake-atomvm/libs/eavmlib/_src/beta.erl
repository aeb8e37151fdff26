-module(beta).
-export([b/0]).
b() -> ok.
