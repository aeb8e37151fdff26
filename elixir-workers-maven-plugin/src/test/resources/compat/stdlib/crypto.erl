%% A stand-in for AtomVM's estdlib crypto module: NIF stubs, and one
%% function written in Erlang.
-module(crypto).
-export([strong_rand_bytes/1, hash/2, hash_twice/2]).

strong_rand_bytes(_N) ->
    erlang:nif_error(undefined).

hash(_Type, _Data) ->
    erlang:nif_error(undefined).

hash_twice(Type, Data) ->
    hash(Type, hash(Type, Data)).
