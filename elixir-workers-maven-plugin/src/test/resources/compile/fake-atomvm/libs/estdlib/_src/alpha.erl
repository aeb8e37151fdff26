-module(alpha).
-export([a/0]).
-include("fake.hrl").
a() -> ?FAKE.
