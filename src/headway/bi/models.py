"""The BI feed keeps no tables of its own: its tables are views over the other apps' tables,
defined in `headway.bi.feed`. (This module exists so Django sends this app the migrate signals
that keep the views in step, see `headway.bi.views`.)"""
