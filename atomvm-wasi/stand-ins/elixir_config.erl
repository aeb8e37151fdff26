%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for the functions of Elixir's compiler module
%% elixir_config that its runtime calls. A worker runs no elixir_config
%% server (its table is made when the `elixir` application starts), so:
%%
%% - identifier_tokenizer/0: Macro.classify_atom/1 (and so Kernel.inspect/2
%%   of atoms and keyword lists) asks which module tokenizes identifiers;
%%   Elixir answers from its configuration, which only elixirc sets, so this
%%   answers Elixir's default.
%% - get/1, get/2, put/2: URI.default_port/1,2 read and write the port of a
%%   scheme under {uri, Scheme}. The values put live in persistent_term (the
%%   stand-in, an ETS table) for the request; what the `elixir` application
%%   puts at start, the default ports of the schemes URI knows, is answered
%%   when nothing was put.
-module(elixir_config).

-export([identifier_tokenizer/0, get/1, get/2, put/2]).

identifier_tokenizer() -> 'Elixir.String.Tokenizer'.

get(Key) ->
    case get(Key, '$elixir_workers_unset') of
        '$elixir_workers_unset' -> erlang:error(badarg, [Key]);
        Value -> Value
    end.

get(Key, Default) ->
    persistent_term:get({?MODULE, Key}, initial(Key, Default)).

put(Key, Value) ->
    persistent_term:put({?MODULE, Key}, Value).

%% The ports elixir:start/2 puts (Elixir 1.14 to 1.18).
initial({uri, <<"ftp">>}, _) -> 21;
initial({uri, <<"sftp">>}, _) -> 22;
initial({uri, <<"tftp">>}, _) -> 69;
initial({uri, <<"http">>}, _) -> 80;
initial({uri, <<"https">>}, _) -> 443;
initial({uri, <<"ldap">>}, _) -> 389;
initial({uri, <<"ws">>}, _) -> 80;
initial({uri, <<"wss">>}, _) -> 443;
initial(_, Default) -> Default.
