%% A module named init: AtomVM boots through init:boot/1 whenever it finds one.
-module(init).
-export([boot/1]).

boot(_Args) -> ok.
