%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for the one function of Elixir's compiler module
%% elixir_config that its runtime calls: Macro.classify_atom/1 (and so
%% Kernel.inspect/2 of atoms and keyword lists) asks which module tokenizes
%% identifiers. Elixir answers from its configuration, which only elixirc
%% sets; a worker has none, so this answers Elixir's default.
-module(elixir_config).

-export([identifier_tokenizer/0]).

identifier_tokenizer() -> 'Elixir.String.Tokenizer'.
