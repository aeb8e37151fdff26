%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for AtomVM's application module, whose get_env/2,3
%% answer the default for every key. A worker has no application controller
%% and no configuration of its own; what Elixir's standard library reads is
%% the environment of the `elixir` application, which its elixir.app file
%% declares and the BEAM loads at boot: Calendar asks for
%% `time_zone_database` (DateTime.add/4, new/4, from_naive/3, shift_zone/3
%% through Application.fetch_env!/2) and IO.ANSI for `ansi_enabled`. Those
%% two keys answer what Elixir's elixir.app sets; every other application and
%% key is unset, as before. Nothing here can change the environment: put_env
%% is not offered, as AtomVM offers none.
-module(application).

-export([get_env/2, get_env/3, get_all_env/1, get_key/2]).

get_env(Application, Parameter) ->
    case lists:keyfind(Parameter, 1, env(Application)) of
        {_, Value} -> {ok, Value};
        false -> undefined
    end.

get_env(Application, Parameter, Default) ->
    case get_env(Application, Parameter) of
        {ok, Value} -> Value;
        undefined -> Default
    end.

get_all_env(Application) -> env(Application).

%% Only `env` of an application that has one is known; OTP answers
%% `undefined` for an application that is not loaded.
get_key(Application, env) ->
    case env(Application) of
        [] -> undefined;
        Env -> {ok, Env}
    end;
get_key(_Application, _Key) ->
    undefined.

env(elixir) ->
    [
        {ansi_enabled, false},
        {time_zone_database, 'Elixir.Calendar.UTCOnlyTimeZoneDatabase'}
    ];
env(_Application) ->
    [].
