%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for Elixir's Float.round/2, Float.ceil/2 and
%% Float.floor/2. Elixir takes the float apart with
%% <<Sign::1, Exp::11, Significand::52-bitstring>> and walks the significand
%% one bit at a time with <<1::1, Rest::bitstring>>; AtomVM v0.7 refuses
%% bitstring segments whose unit is not 8 ("bs_get_binary2: unit must be 8").
%% Here the float is one 64-bit integer and everything after is integer
%% arithmetic, giving the answers Elixir gives:
%%
%% - the float's exact binary value is rounded to Precision decimals (round:
%%   half away from zero; ceil and floor: towards +/- infinity), and the
%%   decimal that results is turned back into the nearest float (ties to
%%   even), as Elixir's decimal_to_float does;
%% - a float already exact to Precision decimals is returned as it is, and
%%   one below 2^-51 in magnitude rounds to zero, or to +/- 10^-Precision for
%%   ceil of a positive and floor of a negative one;
%% - Precision 0 is :erlang.round/1 made a float, :math.ceil/1 and
%%   :math.floor/1 in Elixir: the same values.
%%
%% The one difference between Elixir versions is the sign of a zero that a
%% negative float rounds to. From Elixir 1.17 on (1.18 here) it is -0.0;
%% Elixir 1.14 (1.15 and 1.16 too, by their source) answers 0.0, except that ceil(F, 0) is
%% :math.ceil/1 (-0.0), and that -0.0 itself comes back as -0.0 for a
%% Precision above 0 (round(-0.0, 0) is 0.0). Which Elixir the worker runs is
%% asked of its own Float.round/1 (not replaced here: it matches no bits),
%% only when such a zero is the answer.
%%
%% Bad arguments raise what Elixir raises: ArgumentError for a Precision that
%% is not an integer in 0..15 (its message interpolates the precision with
%% String.Chars, as Elixir's does), and a function clause error with
%% Float.round/2 (ceil/2, floor/2) on top of the stack trace, which Elixir
%% reports as FunctionClauseError, for a number that is not a float.
%%
%% Integers stay below 2^110 (AtomVM's integers end at 256 bits): the float's
%% significand times at most 5^16, and the rounded decimal times at most 2^103.
-module(elixir_workers_float).

-export([round/2, ceil/2, floor/2]).

-elixir_workers_replaces([
    {'Elixir.Float', round, 2}, {'Elixir.Float', ceil, 2}, {'Elixir.Float', floor, 2}
]).

-define(FRACTION_BITS, 52).
-define(HIDDEN_BIT, (1 bsl 52)).
-define(FRACTION_MASK, ((1 bsl 52) - 1)).
-define(EXPONENT_BIAS, 1023).

round(Float, Precision) -> rounded(round, Float, Precision).

ceil(Float, Precision) -> rounded(ceil, Float, Precision).

floor(Float, Precision) -> rounded(floor, Float, Precision).

rounded(Mode, Float, Precision) when
    is_float(Float), is_integer(Precision), Precision >= 0, Precision =< 15
->
    <<Bits:64/integer>> = <<Float:64/float>>,
    Sign = Bits bsr 63,
    Exponent = (Bits bsr ?FRACTION_BITS) band 16#7FF,
    Fraction = Bits band ?FRACTION_MASK,
    case Exponent =:= 0 andalso Fraction =:= 0 of
        true -> zero(Mode, Float, Sign, Precision);
        false -> nonzero(Mode, Float, Sign, Exponent, Fraction, Precision)
    end;
rounded(_Mode, Float, Precision) when is_float(Float) ->
    Message = iolist_to_binary([
        <<"precision ">>,
        'Elixir.String.Chars':to_string(Precision),
        <<" is out of valid range of 0..15">>
    ]),
    erlang:error('Elixir.ArgumentError':exception(Message));
rounded(Mode, Float, Precision) ->
    erlang:raise(error, function_clause, [{'Elixir.Float', Mode, [Float, Precision], []}]).

%% 0.0 and -0.0 come back as they are, but for Elixir 1.14's round(-0.0, 0),
%% :erlang.round/1 made a float again.
zero(round, _Float, 1, 0) -> signed_zero(round, 1, 0);
zero(_Mode, Float, _Sign, _Precision) -> Float.

nonzero(Mode, Float, Sign, Exponent, Fraction, Precision) ->
    %% The value is Significand / 2^Count, with Significand odd. A subnormal
    %% float is far below 2^-51 whatever its significand.
    {Significand, Count} =
        case Exponent of
            0 -> {1, ?EXPONENT_BIAS + ?FRACTION_BITS};
            _ -> odd(?HIDDEN_BIT bor Fraction, ?FRACTION_BITS + ?EXPONENT_BIAS - Exponent)
        end,
    if
        Count >= 104 ->
            %% Below 2^-51: no decimal of Precision digits is that close to 0
            %% other than 0.
            tiny(Mode, Sign, Precision);
        Count =< Precision ->
            %% Already exact to Precision decimals.
            Float;
        true ->
            %% Digits = floor(Value * 10^(Precision + 1)): the decimals
            %% asked for and the next one.
            Digits = (Significand * pow(5, Precision + 1)) bsr (Count - Precision - 1),
            Truncated = Digits div 10,
            Decimal =
                case Mode of
                    round when Digits rem 10 >= 5 -> Truncated + 1;
                    ceil when Sign =:= 0 -> Truncated + 1;
                    floor when Sign =:= 1 -> Truncated + 1;
                    _ -> Truncated
                end,
            case Decimal of
                0 -> signed_zero(Mode, Sign, Precision);
                _ -> to_float(Sign, Decimal, pow(10, Precision))
            end
    end.

%% Strips the trailing zero bits of a significand, counting them off Count.
odd(Significand, Count) when Significand band 1 =:= 0 -> odd(Significand bsr 1, Count - 1);
odd(Significand, Count) -> {Significand, Count}.

tiny(ceil, 0, Precision) -> to_float(0, 1, pow(10, Precision));
tiny(floor, 1, Precision) -> to_float(1, 1, pow(10, Precision));
tiny(Mode, Sign, Precision) -> signed_zero(Mode, Sign, Precision).

%% The zero that a float of this sign rounds to (see the module comment).
signed_zero(_Mode, 0, _Precision) -> make_float(0, 0, 0);
signed_zero(ceil, 1, 0) -> make_float(1, 0, 0);
signed_zero(_Mode, 1, _Precision) ->
    case minus_zero_rounds_to_minus_zero() of
        true -> make_float(1, 0, 0);
        false -> make_float(0, 0, 0)
    end.

%% Elixir 1.18's Float.round(-0.0) is -0.0; Elixir 1.14's is 0.0.
minus_zero_rounds_to_minus_zero() ->
    <<Bits:64/integer>> = <<('Elixir.Float':round(make_float(1, 0, 0))):64/float>>,
    Bits bsr 63 =:= 1.

%% The float nearest to (-1)^Sign * Numerator / Denominator, ties to even,
%% for 0 < Numerator / Denominator < 2^1024 and not subnormal: the quotient
%% is scaled by a power of two into [2^52, 2^53).
to_float(Sign, Numerator, Denominator) ->
    Shift = ?FRACTION_BITS - (bit_length(Numerator) - bit_length(Denominator)),
    {Scaled, Divisor, Exponent} = scale(Numerator, Denominator, Shift),
    Quotient = Scaled div Divisor,
    Twice = 2 * (Scaled - Quotient * Divisor),
    Rounded =
        if
            Twice > Divisor -> Quotient + 1;
            Twice < Divisor -> Quotient;
            Quotient band 1 =:= 1 -> Quotient + 1;
            true -> Quotient
        end,
    case Rounded of
        ?HIDDEN_BIT bsl 1 -> make_float(Sign, Exponent + 1 + ?EXPONENT_BIAS + ?FRACTION_BITS, 0);
        _ -> make_float(Sign, Exponent + ?EXPONENT_BIAS + ?FRACTION_BITS, Rounded - ?HIDDEN_BIT)
    end.

%% Numerator / Denominator * 2^Shift as Scaled / Divisor in [2^52, 2^53),
%% with the value being (Scaled / Divisor) * 2^Exponent.
scale(Numerator, Denominator, Shift) ->
    {Scaled, Divisor} =
        case Shift >= 0 of
            true -> {Numerator bsl Shift, Denominator};
            false -> {Numerator, Denominator bsl (-Shift)}
        end,
    if
        Scaled >= Divisor bsl (?FRACTION_BITS + 1) -> scale(Numerator, Denominator, Shift - 1);
        Scaled < Divisor bsl ?FRACTION_BITS -> scale(Numerator, Denominator, Shift + 1);
        true -> {Scaled, Divisor, -Shift}
    end.

make_float(Sign, BiasedExponent, Fraction) ->
    Bits = (Sign bsl 63) bor (BiasedExponent bsl ?FRACTION_BITS) bor Fraction,
    <<Float:64/float>> = <<Bits:64/integer>>,
    Float.

bit_length(N) -> bit_length(N, 0).

bit_length(0, Length) -> Length;
bit_length(N, Length) -> bit_length(N bsr 1, Length + 1).

pow(_Base, 0) -> 1;
pow(Base, N) -> Base * pow(Base, N - 1).
