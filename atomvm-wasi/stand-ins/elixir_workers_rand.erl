%% SPDX-License-Identifier: Apache-2.0
%%
%% Seeds OTP's own rand module from WASI random_get. OTP's rand runs on the VM
%% as it is (packed from the installation like the rest of OTP's stdlib), but
%% the seed it makes when a process has none, rand:default_seed/0, is
%% {erlang:phash2([{node(), self()}]), erlang:system_time(),
%% erlang:unique_integer()}: AtomVM has no phash2/1, and the other two would not
%% tell two requests apart anyway. Every request is a fresh VM, often started
%% from the same memory snapshot, so self() and unique_integer() repeat, and a
%% Worker's clock stands still during a request and is coarse: concurrent
%% requests would draw the same numbers.
%%
%% Only rand's own call of erlang:phash2/1 comes here (-elixir_workers_replaces_in);
%% it answers 64 bits from crypto:strong_rand_bytes/1 (WASI random_get, read on
%% every call). rand folds each part of the seed to 58 bits, so the whole state
%% of exsss (the default) and exrop starts from 58 fresh random bits, whatever
%% the clock says. Everyone else's phash2/1 is untouched: OTP's values are part
%% of its contract, and a random number is not one of them.
-module(elixir_workers_rand).

-elixir_workers_replaces_in([{rand, [{erlang, phash2, 1}]}]).

-export([phash2/1]).

phash2(_Term) ->
    <<Seed:64>> = crypto:strong_rand_bytes(8),
    Seed.
