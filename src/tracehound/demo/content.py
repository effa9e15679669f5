"""Benign content for the synthetic phone: sites, processes, apps, contacts. All made up or public.

Phone numbers use the 555-01xx range reserved for fiction; e-mail addresses use example.* domains
(RFC 2606). Nothing here belongs to a real person. The clean-variant end-to-end test proves that
none of these values matches a bundled indicator.
"""

from __future__ import annotations

SITES = (
    "https://www.wikipedia.org/", "https://en.wikipedia.org/wiki/Journalism",
    "https://www.bbc.co.uk/news", "https://www.lemonde.fr/international/",
    "https://www.theguardian.com/world", "https://www.reuters.com/world/",
    "https://apnews.com/hub/world-news", "https://www.aljazeera.com/news/",
    "https://github.com/", "https://developer.apple.com/documentation/",
    "https://www.openstreetmap.org/", "https://www.weather.gov/",
    "https://www.rfi.fr/fr/", "https://www.dw.com/en/", "https://www.nytimes.com/",
    "https://www.lefigaro.fr/", "https://www.elpais.com/", "https://www.spiegel.de/",
    "https://www.amnesty.org/en/", "https://rsf.org/en", "https://cpj.org/",
    "https://www.eff.org/", "https://www.accessnow.org/", "https://signal.org/",
    "https://www.mozilla.org/", "https://www.python.org/", "https://docs.python.org/3/",
    "https://www.apple.com/iphone/", "https://support.apple.com/", "https://www.icloud.com/",
    "https://maps.apple.com/", "https://www.youtube.com/", "https://duckduckgo.com/?q=press+freedom",
    "https://www.google.com/search?q=metro+timetable", "https://www.booking.com/",
    "https://www.sncf-connect.com/", "https://www.ratp.fr/", "https://www.imdb.com/",
    "https://www.allocine.fr/", "https://www.marmiton.org/", "https://www.lequipe.fr/",
    "https://www.france24.com/en/", "https://www.euronews.com/", "https://www.politico.eu/",
    "https://www.ft.com/", "https://www.economist.com/", "https://www.arte.tv/fr/",
    "http://www.lemonde.fr/", "http://neverssl.com/", "http://example.com/",
)

RLS_DOMAINS = (
    "wikipedia.org", "bbc.co.uk", "lemonde.fr", "theguardian.com", "reuters.com", "apnews.com",
    "aljazeera.com", "github.com", "apple.com", "openstreetmap.org", "weather.gov", "rfi.fr",
    "dw.com", "nytimes.com", "lefigaro.fr", "elpais.com", "spiegel.de", "amnesty.org", "rsf.org",
    "cpj.org", "eff.org", "accessnow.org", "signal.org", "mozilla.org", "python.org",
    "icloud.com", "youtube.com", "duckduckgo.com", "google.com", "booking.com", "imdb.com",
    "ytimg.com", "gstatic.com", "cloudflare.com", "akamaihd.net", "doubleclick.net",
    "googletagmanager.com", "fastly.net", "jsdelivr.net", "cdnjs.com",
)

# Real iOS daemons and common apps, as they appear in DataUsage ZPROCNAME ("process/bundle").
PROCESSES = (
    ("locationd", "com.apple.locationd"), ("nsurlsessiond", None), ("mDNSResponder", None),
    ("apsd", "com.apple.apsd"), ("CommCenter", "com.apple.CommCenter"),
    ("itunesstored", "com.apple.itunesstored"), ("com.apple.WebKit.Networking", None),
    ("identityservicesd", "com.apple.identityservicesd"), ("mobileassetd", None),
    ("cloudd", "com.apple.cloudd"), ("nsurlstoraged", None), ("assistantd", None),
    ("parsecd", None), ("softwareupdated", None), ("trustd", None), ("timed", None),
    ("routined", "com.apple.routined"), ("MobileSafari", "com.apple.mobilesafari"),
    ("Maps", "com.apple.Maps"), ("Weather", "com.apple.weather"), ("News", "com.apple.news"),
    ("Music", "com.apple.Music"), ("Podcasts", "com.apple.podcasts"),
    ("WhatsApp", "net.whatsapp.WhatsApp"), ("Signal", "org.whispersystems.signal"),
    ("Telegram", "ph.telegra.Telegraph"), ("Spotify", "com.spotify.client"),
    ("Chrome", "com.google.chrome.ios"), ("Gmail", "com.google.Gmail"),
    ("YouTube", "com.google.ios.youtube"), ("Twitter", "com.atebits.Tweetie2"),
    ("Instagram", "com.burbn.instagram"), ("Uber", "com.ubercab.UberClient"),
    ("Deliveroo", "com.deliveroo.orderapp"), ("lemonde", "fr.lemonde.lmfr"),
    ("Outlook", "com.microsoft.Office.Outlook"), ("Teams", "com.microsoft.skype.teams"),
    ("Zoom", "us.zoom.videomeetings"), ("ProtonMail", "ch.protonmail.protonmail"),
    ("mediaserverd", None), ("geod", "com.apple.geod"), ("searchpartyd", None),
    ("remindd", None), ("calaccessd", None), ("dataaccessd", None), ("symptomsd", None),
    ("akd", None), ("accountsd", None), ("appstored", "com.apple.appstored"),
    ("fitnessd", None), ("healthd", None), ("photoanalysisd", None), ("bird", None),
)

APPS = (
    ("net.whatsapp.WhatsApp", "WhatsApp Messenger", "WhatsApp Inc."),
    ("org.whispersystems.signal", "Signal - Private Messenger", "Signal Messenger, LLC"),
    ("ph.telegra.Telegraph", "Telegram Messenger", "Telegram FZ-LLC"),
    ("com.spotify.client", "Spotify - Music and Podcasts", "Spotify"),
    ("com.google.chrome.ios", "Google Chrome", "Google LLC"),
    ("com.google.Gmail", "Gmail - Email by Google", "Google LLC"),
    ("fr.lemonde.lmfr", "Le Monde, Actualités en direct", "Le Monde"),
    ("com.microsoft.Office.Outlook", "Microsoft Outlook", "Microsoft Corporation"),
    ("us.zoom.videomeetings", "Zoom - One Platform to Connect", "Zoom Video Communications"),
    ("ch.protonmail.protonmail", "Proton Mail: Encrypted Email", "Proton AG"),
)

CONTACTS = tuple(f"+1202555{n:04d}" for n in range(100, 140)) + (
    "amira@example.org", "jonas@example.net", "desk@example.com", "editor@example.org",
)

SMS_TEXTS = (
    "See you at 7?", "Call me when you land", "The meeting moved to Thursday",
    "Your verification code is 482913", "Thanks, got it", "Running 10 min late",
    "Can you send the draft tonight?", "Happy birthday!", "Where are you?", "OK",
    "Read this: https://www.theguardian.com/world", "Photos from Sunday https://www.icloud.com/",
    "Train leaves at 8:05", "Did you see the news? https://www.bbc.co.uk/news",
    "Your parcel was delivered", "Dinner at ours on Friday?", "I'll bring the documents",
)

IDS_USERS = tuple(f"tel:+1202555{n:04d}" for n in range(100, 130)) + (
    "mailto:amira@example.org", "mailto:jonas@example.net", "mailto:desk@example.com",
)

TCC_GRANTS = (
    ("kTCCServiceAddressBook", "net.whatsapp.WhatsApp"),
    ("kTCCServicePhotos", "net.whatsapp.WhatsApp"),
    ("kTCCServiceAddressBook", "org.whispersystems.signal"),
    ("kTCCServicePhotos", "ph.telegra.Telegraph"),
    ("kTCCServiceCalendar", "com.microsoft.Office.Outlook"),
    ("kTCCServiceMediaLibrary", "com.spotify.client"),
    ("kTCCServiceUbiquity", "com.apple.mobilesafari"),
    ("kTCCServiceReminders", "com.apple.reminders"),
)
