%% A stand-in for AtomVM's estdlib maps module.
-module(maps).
-export([get/3]).

get(Key, Map, Default) ->
    case Map of
        #{Key := Value} -> Value;
        _ -> Default
    end.
