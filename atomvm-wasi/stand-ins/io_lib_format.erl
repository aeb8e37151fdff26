%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for the one function of OTP's io_lib_format that
%% Elixir calls: fwrite_g/1, the shortest text that reads back as the same
%% float (Float.to_string/1, inspect/1, "#{float}"). OTP 25 implements it
%% with float_to_list(F, [short]), an option AtomVM v0.7 rejects with badarg.
%% Here the digits are the fewest that read back as the float, from
%% float_to_list/2's {scientific, N} (C's correctly rounded %.*e), and they are
%% laid out the way OTP lays them out (io_lib_format:insert_decimal/2 of OTP
%% 24): plain unless the exponent form is shorter.
-module(io_lib_format).

-export([fwrite_g/1]).

%% 2^53: from here on OTP 25 writes every float with an exponent, since not
%% every integer is a float any more.
-define(EXACT_INTEGERS, 9007199254740992.0).

fwrite_g(Float) when is_float(Float), Float == 0.0 ->
    case <<Float/float>> of
        <<1:1, _:63>> -> "-0.0";
        _ -> "0.0"
    end;
fwrite_g(Float) when is_float(Float), Float < 0 ->
    [$- | fwrite_g(-Float)];
fwrite_g(Float) when is_float(Float) ->
    {Digits, Exponent} = shortest(Float, 0),
    case Float >= ?EXACT_INTEGERS of
        true -> insert_exponent(integer_to_list(Exponent), Digits);
        false -> insert_decimal(Exponent + 1, Digits)
    end.

%% The fewest significant digits (at most 17 always suffice) and the decimal
%% exponent of the first one.
shortest(Float, Decimals) ->
    Text = float_to_list(Float, [{scientific, Decimals}]),
    case Decimals >= 16 orelse reads_back(Text, Float) of
        true -> split(Text);
        false -> shortest(Float, Decimals + 1)
    end.

%% Rounded up past the largest float, the text reads as no float at all.
%% list_to_float/1 wants a decimal point, which one digit ("5e-324") lacks.
reads_back(Text, Float) ->
    {Mantissa, Exponent} = split_exponent(Text, []),
    Readable =
        case lists:member($., Mantissa) of
            true -> Text;
            false -> Mantissa ++ ".0" ++ Exponent
        end,
    try
        list_to_float(Readable) == Float
    catch
        error:badarg -> false
    end.

split(Text) ->
    {Mantissa, [_E | Exponent]} = split_exponent(Text, []),
    Digits = [C || C <- Mantissa, C =/= $.],
    {strip_zeros(Digits), list_to_integer(strip_plus(Exponent))}.

%% AtomVM's lists has no splitwith/2.
split_exponent([$e | _] = Exponent, Mantissa) -> {lists:reverse(Mantissa), Exponent};
split_exponent([C | Rest], Mantissa) -> split_exponent(Rest, [C | Mantissa]).

strip_plus([$+ | Rest]) -> Rest;
strip_plus(Exponent) -> Exponent.

strip_zeros(Digits) ->
    case lists:reverse(lists:dropwhile(fun(C) -> C =:= $0 end, lists:reverse(Digits))) of
        [] -> "0";
        Stripped -> Stripped
    end.

%% The value is 0.Digits times ten to the Place.
insert_decimal(0, Digits) ->
    "0." ++ Digits;
insert_decimal(Place, Digits) ->
    Length = length(Digits),
    if
        Place < 0; Place >= Length ->
            ExponentText = integer_to_list(Place - 1),
            ExponentDot =
                if
                    Length =:= 1 -> 2;
                    true -> 1
                end,
            ExponentCost = length(ExponentText) + 1 + ExponentDot,
            if
                Place < 0, 2 - Place =< ExponentCost ->
                    "0." ++ lists:duplicate(-Place, $0) ++ Digits;
                Place >= 0, Place - Length + 2 =< ExponentCost ->
                    Digits ++ lists:duplicate(Place - Length, $0) ++ ".0";
                true ->
                    insert_exponent(ExponentText, Digits)
            end;
        true ->
            {Whole, Fraction} = lists:split(Place, Digits),
            Whole ++ "." ++ Fraction
    end.

insert_exponent(ExponentText, [Digit]) -> [Digit] ++ ".0e" ++ ExponentText;
insert_exponent(ExponentText, [Digit | Rest]) -> [Digit] ++ "." ++ Rest ++ "e" ++ ExponentText.
