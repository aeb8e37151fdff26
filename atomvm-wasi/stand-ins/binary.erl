%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for AtomVM's binary module. Most of binary's functions
%% are AtomVM NIFs (at/2, copy/1,2, first/1, last/1, part/3, match/2,3,
%% replace/3,4, longest_common_prefix/1, list_to_bin/1), which the VM calls
%% whatever module is packed; the rest are here:
%%
%% - split/2,3: AtomVM's NIF takes one pattern and only the `global` option,
%%   so Elixir's String.split/1 (a list of whitespace patterns, `trim_all`)
%%   and String.split/3 with `trim: true` or a list of patterns failed with
%%   badarg. atomvm.wasm leaves that NIF out (removed-nifs.txt) and this one
%%   takes what OTP's takes: a pattern or a list of them, `global`, `trim`,
%%   `trim_all`, `{scope, {Start, Length}}`.
%% - matches/2,3 (String.replace/3,4): every match, from binary:match/3.
%% - compile_pattern/1 (String.splitter/3, String.replace/4): the pattern
%%   itself, which every function here and AtomVM's NIFs take.
%% - encode_hex/1,2, decode_hex/1: what AtomVM's module has besides NIFs.
-module(binary).

-export([
    compile_pattern/1,
    matches/2, matches/3,
    split/2, split/3,
    encode_hex/1, encode_hex/2,
    decode_hex/1
]).

compile_pattern(Pattern) ->
    case valid_pattern(Pattern) of
        true -> Pattern;
        false -> erlang:error(badarg, [Pattern])
    end.

matches(Subject, Pattern) ->
    matches(Subject, Pattern, []).

matches(Subject, Pattern, Options) ->
    case is_binary(Subject) andalso valid_pattern(Pattern) andalso scope(Subject, Options) of
        {ok, Start, End} -> matches_from(Subject, Pattern, Start, End);
        _ -> erlang:error(badarg, [Subject, Pattern, Options])
    end.

matches_from(_Subject, _Pattern, End, End) ->
    [];
matches_from(Subject, Pattern, Start, End) ->
    case binary:match(Subject, Pattern, [{scope, {Start, End - Start}}]) of
        nomatch -> [];
        {Position, Length} = Match -> [Match | matches_from(Subject, Pattern, Position + Length, End)]
    end.

split(Subject, Pattern) ->
    split(Subject, Pattern, []).

split(Subject, Pattern, Options) ->
    case
        is_binary(Subject) andalso valid_pattern(Pattern) andalso
            split_options(Options, once, keep, [])
    of
        {Matching, Trim, ScopeOptions} ->
            case scope(Subject, ScopeOptions) of
                {ok, Start, End} ->
                    Matches =
                        case Matching of
                            global ->
                                matches_from(Subject, Pattern, Start, End);
                            once when Start =:= End ->
                                [];
                            once ->
                                case binary:match(Subject, Pattern, ScopeOptions) of
                                    nomatch -> [];
                                    Match -> [Match]
                                end
                        end,
                    trim(parts(Subject, 0, Matches), Trim);
                error ->
                    erlang:error(badarg, [Subject, Pattern, Options])
            end;
        false ->
            erlang:error(badarg, [Subject, Pattern, Options])
    end.

split_options([], Matching, Trim, Scope) ->
    {Matching, Trim, Scope};
split_options([global | Rest], _, Trim, Scope) ->
    split_options(Rest, global, Trim, Scope);
split_options([trim | Rest], Matching, _, Scope) ->
    split_options(Rest, Matching, trailing, Scope);
split_options([trim_all | Rest], Matching, _, Scope) ->
    split_options(Rest, Matching, all, Scope);
split_options([{scope, {_, _}} = Scope | Rest], Matching, Trim, _) ->
    split_options(Rest, Matching, Trim, [Scope]);
split_options(_, _, _, _) ->
    false.

parts(Subject, From, []) ->
    [binary:part(Subject, From, byte_size(Subject) - From)];
parts(Subject, From, [{Position, Length} | Matches]) ->
    [binary:part(Subject, From, Position - From) | parts(Subject, Position + Length, Matches)].

trim(Parts, keep) -> Parts;
trim(Parts, all) -> [Part || Part <- Parts, Part =/= <<>>];
trim(Parts, trailing) -> lists:reverse(drop_empty(lists:reverse(Parts))).

drop_empty([<<>> | Rest]) -> drop_empty(Rest);
drop_empty(Parts) -> Parts.

%% The byte range the options' last {scope, {Start, Length}} names (a negative
%% Length counts back from Start), as {ok, Start, End}; error when it is not
%% within the subject or an option is unknown.
scope(Subject, Options) ->
    scope(Subject, Options, 0, byte_size(Subject)).

scope(Subject, [], Start, End) when End =< byte_size(Subject) ->
    {ok, Start, End};
scope(Subject, [{scope, {Start, Length}} | Rest], _, _) when
    is_integer(Start), is_integer(Length), Start >= 0
->
    {From, To} =
        case Length < 0 of
            true -> {Start + Length, Start};
            false -> {Start, Start + Length}
        end,
    case From >= 0 of
        true -> scope(Subject, Rest, From, To);
        false -> error
    end;
scope(_, _, _, _) ->
    error.

valid_pattern(Pattern) when is_binary(Pattern) ->
    Pattern =/= <<>>;
valid_pattern([_ | _] = Patterns) ->
    lists:all(fun(Pattern) -> is_binary(Pattern) andalso Pattern =/= <<>> end, Patterns);
valid_pattern(_) ->
    false.

encode_hex(Data) ->
    encode_hex(Data, uppercase).

%% Byte by byte: AtomVM builds and matches only whole bytes.
encode_hex(Data, Case) when is_binary(Data), (Case =:= uppercase orelse Case =:= lowercase) ->
    <<<<(hex_digit(Byte bsr 4, Case)), (hex_digit(Byte band 15, Case))>> || <<Byte>> <= Data>>;
encode_hex(Data, Case) ->
    erlang:error(badarg, [Data, Case]).

hex_digit(Nibble, _) when Nibble < 10 -> $0 + Nibble;
hex_digit(Nibble, uppercase) -> $A + Nibble - 10;
hex_digit(Nibble, lowercase) -> $a + Nibble - 10.

decode_hex(Data) when is_binary(Data), byte_size(Data) rem 2 =:= 0 ->
    try
        <<<<(nibble(High) * 16 + nibble(Low))>> || <<High, Low>> <= Data>>
    catch
        throw:not_hex -> erlang:error(badarg, [Data])
    end;
decode_hex(Data) ->
    erlang:error(badarg, [Data]).

nibble(Digit) when Digit >= $0, Digit =< $9 -> Digit - $0;
nibble(Digit) when Digit >= $a, Digit =< $f -> Digit - $a + 10;
nibble(Digit) when Digit >= $A, Digit =< $F -> Digit - $A + 10;
nibble(_) -> throw(not_hex).
