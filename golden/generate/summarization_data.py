"""Hand-written summarization suite content.

Each entry is (domain, source paragraph of 60 to 150 words, one-sentence
reference summary). Every paragraph, place, company and person here is made
up for this suite.
"""

from __future__ import annotations

PASSAGES: list[tuple[str, str, str]] = [
    (
        "news",
        "The town council of Harwick voted on Tuesday evening to close the old swimming baths on Mill Lane at the end of the summer. Councillors said the Victorian building needs roof repairs estimated at 2.4 million pounds, money the town does not have. A new leisure centre with a 25-metre pool is planned on the former bus depot site, but it will not open until late next year. Swimming clubs protested outside the meeting, warning that children will have nowhere to learn to swim in the gap between the two.",
        "Harwick council voted to close the Mill Lane baths this summer because of costly roof repairs, leaving a gap of over a year before a new pool opens, which swimming clubs oppose.",
    ),
    (
        "product",
        "Version 3.2 of the Lumen note-taking app adds offline sync, so edits made without a connection are merged when the device comes back online. The search bar now understands dates, letting users type phrases like 'last Tuesday' to find notes. Dark mode has been redesigned with higher contrast after feedback from users with low vision. The update also removes the old PDF export, which the team says was rarely used and often broken; a new export to Markdown and HTML replaces it.",
        "Lumen 3.2 brings offline sync, date-aware search and a higher-contrast dark mode, and replaces the unreliable PDF export with Markdown and HTML export.",
    ),
    (
        "meeting",
        "In Thursday's planning meeting, the team agreed to push the website relaunch from March 3 to March 17 because the payment provider's new API will not be certified in time. Priya will ask the provider for a firm certification date by Monday. Design is finished, but copy for the pricing page still needs legal review, which Tom will request today. The team also decided to drop the live-chat widget from the first release and revisit it in April.",
        "The team moved the website relaunch to March 17 while waiting on payment API certification, assigned follow-ups on the provider date and legal review, and postponed live chat to April.",
    ),
    (
        "science",
        "Tardigrades, tiny animals less than a millimetre long, can survive conditions that would kill almost anything else. When their environment dries out, they pull in their legs, lose almost all their water and enter a state called a tun, in which their metabolism nearly stops. In this state they have survived freezing close to absolute zero, intense radiation and even exposure to the vacuum of space. Researchers think special proteins that form glass-like structures inside their cells protect their DNA and membranes until water returns.",
        "Tardigrades survive extreme cold, radiation and even space by drying into a dormant 'tun' state in which protective proteins shield their cells until water returns.",
    ),
    (
        "story",
        "Every morning for forty years, Agnes set two cups on the kitchen table, even after her husband died. Her neighbours thought it was grief, and perhaps it was at first. But one winter a young man from the flat upstairs, locked out in the snow, knocked on her door, and she poured the second cup for him without a word. After that he came down most mornings. By spring he had fixed her leaking tap, and she had taught him to make proper soda bread.",
        "A widow who kept setting a second cup every morning ends up sharing it with a young neighbour, and the two form a warm friendship.",
    ),
    (
        "history",
        "The Great Stink of 1858 struck London during an unusually hot summer, when the Thames, then full of untreated sewage, gave off a smell so strong that Parliament considered moving. The crisis finally pushed lawmakers to fund the engineer Joseph Bazalgette's plan for a network of intercepting sewers. Completed over the following decades, the system carried waste east, away from the city centre, and helped end the cholera outbreaks that had killed tens of thousands of Londoners.",
        "The Great Stink of 1858 pushed Parliament to fund Joseph Bazalgette's sewer network, which carried London's waste away from the centre and helped end its cholera outbreaks.",
    ),
    (
        "health",
        "Short bursts of activity spread through the day may benefit health more than people assume. In a study of office workers, those who climbed stairs or walked briskly for two minutes every hour had lower blood sugar after meals than those who did a single 30-minute walk. The researchers say the findings do not mean longer exercise is pointless, but they suggest that breaking up long periods of sitting matters in its own right, especially for people at risk of type 2 diabetes.",
        "A study of office workers found that brief hourly bursts of activity lowered blood sugar after meals more than a single 30-minute walk, suggesting that breaking up sitting matters in itself.",
    ),
    (
        "sports",
        "Lakeside Rovers reached the regional cup final for the first time in their history on Saturday, beating the favourites Ashby Town 2-1 after extra time. Ashby took the lead just before half-time, but 17-year-old substitute Kofi Mensah equalised with ten minutes left. In the second half of extra time, goalkeeper Dan Pryce saved a penalty, and captain Lewis Hart headed the winner from a corner a minute later. The final will be played at the county ground next month.",
        "Lakeside Rovers beat favourites Ashby Town 2-1 after extra time to reach their first regional cup final, thanks to a late equaliser, a penalty save and a headed winner.",
    ),
    (
        "travel",
        "The coastal path between Porto Salvo and Vila Nova is best walked from south to north, keeping the sun behind you in the afternoon. The 14-kilometre route takes about five hours, with steep sections around the old lighthouse where the path narrows. There is no water along the way after the fishing village at the halfway point, so fill bottles there. A local bus runs back from Vila Nova every two hours until 7 pm, but not on Sundays.",
        "The 14-kilometre coastal walk from Porto Salvo to Vila Nova takes about five hours and is best done northward, with water only at the halfway village and limited return buses, none on Sundays.",
    ),
    (
        "business",
        "Greenfield Dairy reported a 12 percent rise in annual revenue, driven mainly by its oat-based drinks, which now make up a third of sales. Profit, however, fell slightly because of higher energy and packaging costs. The company plans to open a second plant in the north next year and says it will switch entirely to recycled plastic bottles by 2027. Chief executive Maria Lund told investors that traditional milk sales were stable but no longer growing.",
        "Greenfield Dairy's revenue rose 12 percent on strong oat-drink sales, but higher costs trimmed profit, and the company plans a new plant and fully recycled bottles.",
    ),
    (
        "education",
        "Starting in September, pupils at Brookfield Primary will learn to read music as part of a new weekly lesson funded by a local arts charity. Each child in years three to six will get a recorder to take home, and older pupils can join a free after-school ensemble. Head teacher Sara Quinn said the school had lost its music teacher to budget cuts three years ago and that parents had repeatedly asked for music to return.",
        "Brookfield Primary is bringing back music with weekly lessons, free recorders and an after-school ensemble funded by a local arts charity, after losing its music teacher to cuts.",
    ),
    (
        "environment",
        "Volunteers counted 41 species of bee in the Hollin Valley meadows this summer, up from 29 five years ago, when farmers agreed to stop mowing the fields until after the wildflowers had set seed. The later mowing lets plants like knapweed and bird's-foot trefoil flower for longer, giving pollinators food into August. The survey team warns that the numbers come from only one valley, but says it shows how a small change in farming practice can bring insects back quickly.",
        "Bee species in the Hollin Valley meadows rose from 29 to 41 in five years after farmers delayed mowing until wildflowers set seed, showing how a small farming change can help pollinators.",
    ),
    (
        "food",
        "To make a good risotto, start by warming the stock in a separate pan so it does not cool the rice. Fry a finely chopped onion in butter until soft, add the rice and stir for a minute until the grains turn translucent at the edges. Pour in a glass of white wine and let it evaporate, then add the hot stock one ladle at a time, stirring often. After about 18 minutes, take it off the heat and beat in cold butter and parmesan.",
        "Good risotto comes from toasting the rice after softening onion, adding wine and then hot stock a ladle at a time while stirring, and finishing with cold butter and parmesan.",
    ),
    (
        "technology",
        "Passkeys are a replacement for passwords that many websites now support. Instead of typing a secret, your phone or computer creates a pair of cryptographic keys: the public key is stored by the website and the private key never leaves your device. To sign in, you unlock the device with a fingerprint, face scan or PIN, and it proves to the site that it holds the private key. Because there is no password to steal or reuse, passkeys are far harder to phish.",
        "Passkeys replace passwords with a key pair whose private half stays on your device and is unlocked by biometrics or a PIN, making sign-ins much harder to phish.",
    ),
    (
        "local-government",
        "From the first of April, residents of Eastbury will have their general rubbish collected every two weeks instead of every week, while food waste will still be collected weekly. The council says the change will save about 600,000 pounds a year and encourage recycling, since food waste makes up roughly a third of what is thrown away. Households of six or more people, or those with medical waste, can apply for a larger bin free of charge.",
        "From April, Eastbury will collect general rubbish fortnightly while keeping weekly food-waste collection, saving money and encouraging recycling, with larger bins available for big households and medical needs.",
    ),
    (
        "review",
        "The Orchard Kitchen is a small, busy place with just twelve tables, so book ahead. The seasonal menu is short and changes weekly; on our visit, the roast squash with brown butter and sage was the standout, and the lamb was tender, if a little under-seasoned. Service was friendly but slow when the room filled up. Desserts are generous, and the rhubarb tart is worth saving room for. Prices are fair for the quality, though the wine list is expensive.",
        "The Orchard Kitchen offers a short, changing seasonal menu with standout dishes and fair prices, though service can be slow when busy and the wine is expensive.",
    ),
    (
        "biography",
        "Born in a fishing village in 1921, Elsa Marin left school at fourteen to mend nets, but she spent her evenings reading borrowed astronomy books. At twenty-six she was hired as a 'computer' at the national observatory, calculating the orbits of comets by hand. Over three decades she catalogued more than 900 variable stars and became the observatory's first female department head. A small asteroid discovered in 1998 was named Marin in her honour.",
        "Elsa Marin rose from mending nets in a fishing village to cataloguing over 900 variable stars and heading a department at the national observatory, and an asteroid bears her name.",
    ),
    (
        "finance",
        "An emergency fund is money set aside for unexpected costs such as a broken boiler, car repairs or a sudden loss of income. Most advisers suggest saving three to six months of essential expenses, kept in an easy-access savings account rather than invested in shares, which can fall just when you need the money. If that target feels out of reach, starting with a small goal, such as one month's rent, still makes a big difference.",
        "Advisers recommend keeping three to six months of essential expenses in an easy-access savings account as an emergency fund, though even a small starting goal helps.",
    ),
    (
        "culture",
        "The Riverside Festival returns this weekend after a two-year break, with more than forty free performances across four outdoor stages. Highlights include a lantern parade on Saturday night and a mass choir singing on the old bridge on Sunday morning. Organisers have banned single-use plastic cups and are asking visitors to bring their own bottles to refill at water stations. Roads near the river will be closed from Friday evening, and extra trains will run.",
        "The Riverside Festival returns this weekend after two years with over forty free shows, a lantern parade and a bridge choir, plus a plastic cup ban, road closures and extra trains.",
    ),
    (
        "news",
        "A fire broke out early on Sunday in a bakery on Station Road, forcing twelve residents of the flats above to leave their homes. Firefighters had the blaze under control within an hour, and nobody was hurt. The fire service believes it started in an electrical fault near one of the ovens. The bakery's owner, who opened the shop three months ago, said she was devastated but hoped to reopen by the summer with help from her insurance.",
        "An early Sunday fire, probably from an electrical fault, damaged a Station Road bakery and forced twelve residents out, but no one was hurt and the owner hopes to reopen by summer.",
    ),
    (
        "product",
        "The new Trailstar 40 backpack weighs just 980 grams yet holds 40 litres, making it one of the lightest packs in its class. Its frame is a removable aluminium stay, so the pack can be stripped down further for fast trips. The fabric is a recycled nylon ripstop with a waterproof coating, though the maker still recommends a rain cover in heavy storms. Side pockets fit one-litre bottles, and the hip belt has zipped pockets big enough for a phone.",
        "The Trailstar 40 is a 980-gram, 40-litre backpack with a removable frame, recycled waterproof-coated fabric and practical bottle and hip-belt pockets.",
    ),
    (
        "meeting",
        "Notes from the parents' committee: the spring fair will be on May 18 from 11 to 3. We need volunteers for the cake stall, the tombola and setting up tables at 9. Last year's fair raised 2,300 pounds; this year the money will go toward new playground equipment. Kemi offered to ask local shops for raffle prizes. The committee agreed not to sell single-use balloons this year. Next meeting: April 22 in the school library.",
        "The parents' committee set the spring fair for May 18 to raise money for playground equipment, asked for volunteers, dropped single-use balloons and will meet again on April 22.",
    ),
    (
        "science",
        "Octopuses have around 500 million neurons, similar to a dog, but two-thirds of them are in their arms rather than their brain. Each arm can taste, touch and even make simple decisions on its own, such as grabbing food and passing it toward the mouth. Scientists believe this distributed nervous system lets the octopus control eight flexible limbs without its brain having to plan every movement. It is one reason octopuses are studied by engineers designing soft robots.",
        "Most of an octopus's 500 million neurons are in its arms, which can sense and act semi-independently, a distributed design that interests soft-robot engineers.",
    ),
    (
        "story",
        "The lighthouse keeper's daughter had never seen a city, only the lights of ships passing in the dark. When the lighthouse was automated and her father lost his job, they moved inland to a town full of noise and streetlamps. She hated it at first and could not sleep. Then one night she climbed to the roof of their building and saw the whole town glittering below her like a harbour, and for the first time she felt at home.",
        "A lighthouse keeper's daughter who struggles after moving to a noisy town finally feels at home when she sees its lights from a rooftop, reminding her of ships at sea.",
    ),
    (
        "history",
        "The printing press developed by Johannes Gutenberg in Mainz around 1450 combined movable metal type, an oil-based ink and a press adapted from those used to make wine. Before it, books were copied by hand, which made them rare and expensive. Within fifty years, presses had spread to more than 200 European cities and produced millions of books. Historians link the spread of printing to the Reformation, the scientific revolution and rising literacy.",
        "Gutenberg's printing press of around 1450 made books cheap and plentiful, spreading to hundreds of European cities and helping drive the Reformation, science and literacy.",
    ),
    (
        "health",
        "Sleep experts say the most effective habit for better sleep is also the simplest: getting up at the same time every day, including weekends. A fixed wake-up time anchors the body clock, which then makes people naturally sleepy at a regular hour in the evening. Morning daylight strengthens the effect. By contrast, sleeping in on weekends can cause a kind of jet lag on Monday. Experts add that caffeine after early afternoon and screens in bed also make sleep harder.",
        "Sleep experts say a consistent wake-up time every day, helped by morning daylight, is the most effective habit for better sleep, while lie-ins, late caffeine and screens make it worse.",
    ),
    (
        "sports",
        "Norwegian cross-country skier Ingrid Vold announced her retirement on Friday at the age of 34, ending a career that included two Olympic gold medals and six world championship titles. Vold said recurring back problems had made training increasingly painful over the past two seasons. She plans to stay in the sport as a coach for the national junior team. Her final race will be the traditional 30-kilometre event in Oslo next month.",
        "Olympic and world champion skier Ingrid Vold is retiring at 34 because of back problems and will become a junior national coach after one last 30-kilometre race in Oslo.",
    ),
    (
        "travel",
        "Visitors to the Sorrel Island nature reserve must book a ferry slot in advance, as only 300 people are allowed on the island each day between April and September. Boats leave the mainland harbour hourly from 8 am, and the last return is at 6 pm. Dogs are not permitted because of ground-nesting birds. There is a small café by the jetty, but no shops, so bring water, sunscreen and sturdy shoes for the rocky paths.",
        "Sorrel Island limits visitors to 300 a day in summer, so ferries must be booked ahead; dogs are banned, boats run 8 am to 6 pm, and visitors should bring supplies.",
    ),
    (
        "business",
        "Hollis Bikes, a family-run shop that has repaired bicycles in the same street for 60 years, is starting a subscription service. For 15 pounds a month, members get two full services a year, free puncture repairs and a loan bike while theirs is in the workshop. Owner Ray Hollis said the idea came from commuters who rely on their bikes daily and cannot afford to be without them. Over 120 people signed up in the first week.",
        "Sixty-year-old repair shop Hollis Bikes launched a 15-pound monthly subscription with services, puncture repairs and loan bikes, signing up over 120 commuters in its first week.",
    ),
    (
        "education",
        "A new study suggests that students who explain a topic aloud to an imaginary listener remember it better than those who simply reread their notes. In the experiment, 200 university students studied a text on the immune system for twenty minutes; one week later, the group that practised explaining scored 25 percent higher on a test. The researchers think explaining forces learners to notice gaps in their understanding, something rereading rarely does.",
        "Students who practised explaining a topic aloud scored 25 percent higher a week later than those who reread notes, likely because explaining exposes gaps in understanding.",
    ),
    (
        "environment",
        "Plastic pellets called nurdles, the raw material for most plastic products, are spilled in huge numbers during transport and end up on beaches worldwide. Each is only a few millimetres across, making them almost impossible to clean up once released. Seabirds and fish mistake them for food. Campaigners are calling for nurdles to be classified as hazardous cargo, which would require sealed packaging and faster reporting of spills at sea.",
        "Campaigners want plastic nurdles, which spill in transport, pollute beaches and are eaten by wildlife, to be classed as hazardous cargo with sealed packaging and spill reporting.",
    ),
    (
        "food",
        "Kimchi is a Korean side dish of salted and fermented vegetables, most often napa cabbage and radish. The vegetables are soaked in brine, rinsed and then coated in a paste of chilli flakes, garlic, ginger, spring onion and often fish sauce or salted shrimp. Left at room temperature for a day or two and then refrigerated, it slowly sours as lactic acid bacteria multiply. Families traditionally make large batches in late autumn, an event called kimjang.",
        "Kimchi is a Korean fermented dish of brined cabbage and radish coated in a spicy paste that sours over time, traditionally made in large autumn batches called kimjang.",
    ),
    (
        "technology",
        "Solid-state batteries replace the liquid electrolyte used in today's lithium-ion cells with a solid material such as a ceramic or a special glass. Because solids do not leak or catch fire as easily, the batteries could be safer, and they may allow lithium metal anodes that store much more energy. The main obstacles are cost and durability: tiny cracks and metal filaments can form after repeated charging. Several carmakers hope to use them in vehicles before the end of the decade.",
        "Solid-state batteries swap liquid electrolytes for solids, promising safer and more energy-dense cells, but cost and cracking problems must be solved before carmakers can use them.",
    ),
    (
        "local-government",
        "The city has approved a 20 mph speed limit on all residential streets in the Northside and Riverside districts, starting in October. Main roads and bus routes will stay at 30 mph. Officials point to data from a pilot scheme in two neighbourhoods, where crashes causing injury fell by a fifth in a year. Some drivers' groups argue the change will slow journeys, but the council says average trip times in the pilot rose by less than a minute.",
        "The city will introduce 20 mph limits on residential streets in two districts from October after a pilot cut injury crashes by a fifth with little effect on journey times.",
    ),
    (
        "review",
        "The Aero X2 earbuds sound excellent for the price, with clear vocals and surprisingly deep bass. Noise cancellation is good on buses but struggles with wind. Battery life is about seven hours, and the case adds three more charges. The touch controls are the weak point: they are too sensitive and often pause music when you adjust the fit. Still, at under 80 euros, they are easy to recommend for commuters.",
        "The Aero X2 earbuds offer great sound, decent noise cancellation and good battery life for under 80 euros, though their oversensitive touch controls are annoying.",
    ),
    (
        "biography",
        "Tomasz Wierzba was a bus driver in Gdańsk for 22 years before he published his first novel at the age of 51. He wrote mostly on his breaks, filling notebooks with stories about the passengers he saw every day. The novel, about a night bus and the lonely people who ride it, became an unexpected bestseller and has been translated into fourteen languages. Wierzba still drives two shifts a week, saying the route gives him his best ideas.",
        "Bus driver Tomasz Wierzba wrote a bestselling novel about night-bus passengers during his breaks, published it at 51, and still drives part-time for inspiration.",
    ),
    (
        "finance",
        "Compound interest means you earn interest not only on the money you save but also on the interest already added. If you put 1,000 euros in an account paying 5 percent a year, you have 1,050 after the first year, and the next year's interest is calculated on 1,050. Over long periods this snowball effect becomes large: after 30 years the balance would be about 4,300 euros without adding anything. Starting early matters more than the amount.",
        "Compound interest earns interest on past interest, so savings grow like a snowball over time, which is why starting early matters more than how much you save.",
    ),
    (
        "culture",
        "The city museum has returned a carved wooden mask to the village in Cameroon from which it was taken in 1908 by a colonial officer. Village elders travelled to the city for a ceremony at which the museum director formally apologised. The mask, used in harvest rituals, will be kept in a new community centre rather than a museum. The museum says it is researching the origins of 200 more objects in its collection.",
        "The city museum returned a mask taken from a Cameroonian village in 1908, apologised at a ceremony with village elders, and is now researching the origins of 200 other objects.",
    ),
    (
        "news",
        "Commuters on the Westline railway faced a third day of disruption on Wednesday after a landslip near Elmstead damaged the track. Engineers say repairs will take at least another week because the embankment must be stabilised before trains can run safely. Replacement buses are running between Elmstead and Carrow, adding about forty minutes to journeys. The rail operator has promised refunds for season-ticket holders and advised passengers to travel outside peak hours where possible.",
        "A landslip near Elmstead has disrupted Westline trains for three days and will take at least another week to repair, with replacement buses adding forty minutes and refunds promised.",
    ),
    (
        "product",
        "The HomeHeat smart thermostat learns your schedule over the first week by noticing when you adjust the temperature. After that, it lowers the heating automatically when the house is empty, using your phone's location, and warms it up before you get home. The maker claims typical savings of 10 to 15 percent on heating bills. Installation takes about an hour and works with most gas boilers, though older electric storage heaters are not supported.",
        "The HomeHeat thermostat learns your routine and uses your phone's location to heat only when needed, claiming 10 to 15 percent savings, though it doesn't support storage heaters.",
    ),
    (
        "meeting",
        "Summary of the engineering sync: the memory leak in the image service has been traced to a cache that never evicts old thumbnails. Ana has a fix in review and expects to deploy it on Wednesday. Until then, the service will be restarted nightly. The database migration is on hold because the backup job failed twice last week; Raj will investigate before anything else is scheduled. Everyone should update their local environment to the new Python version by Friday.",
        "Engineering found the image-service memory leak in a non-evicting cache and will deploy a fix Wednesday, paused the database migration over failing backups, and asked everyone to update Python by Friday.",
    ),
    (
        "science",
        "The smell after rain has a name: petrichor. Part of it comes from oils that plants release during dry spells, which collect on rocks and soil. Another key ingredient is geosmin, a compound made by soil bacteria, which humans can detect at extraordinarily low concentrations. When raindrops hit dry ground, they trap tiny air bubbles that burst and throw these compounds into the air as aerosols, carrying the scent on the breeze.",
        "The smell of rain, called petrichor, comes from plant oils and the bacterial compound geosmin, which raindrops launch into the air as tiny aerosols when they hit dry ground.",
    ),
    (
        "story",
        "Marco had promised his little sister he would win her the giant stuffed giraffe at the fair. He spent all his pocket money at the ring toss and won nothing but a plastic whistle. Walking home, he braced himself for her disappointment. Instead, she blew the whistle all the way back, laughing every time a dog barked in reply, and announced at dinner that it was the best prize anyone had ever won.",
        "Marco spends all his money failing to win a giant giraffe for his sister, but she is delighted with the plastic whistle he wins instead.",
    ),
    (
        "history",
        "The Silk Road was not a single road but a network of trade routes linking China with Central Asia, the Middle East and the Mediterranean for more than a thousand years. Silk, spices, paper and porcelain travelled west, while horses, glass, silver and wool went east. Just as important were the ideas that travelled with merchants: Buddhism spread into China along these routes, and techniques like papermaking eventually reached Europe.",
        "The Silk Road was a network of routes that for over a millennium carried goods such as silk and spices between China and the Mediterranean, along with ideas like Buddhism and papermaking.",
    ),
    (
        "health",
        "Dehydration in older adults often goes unnoticed because the sense of thirst weakens with age. Even mild dehydration can cause confusion, dizziness and falls, and is a common reason for hospital admissions in hot weather. Doctors suggest drinking regularly rather than waiting to feel thirsty, keeping a glass of water in sight, and eating water-rich foods like soup, cucumber and melon. Urine that is dark yellow is a simple warning sign.",
        "Because thirst weakens with age, older adults can easily become dehydrated, risking confusion and falls, so doctors advise drinking regularly, eating water-rich foods and watching urine colour.",
    ),
    (
        "sports",
        "The city marathon set a new participation record on Sunday, with 18,400 runners crossing the finish line. Kenyan runner Grace Wambui won the women's race in 2:21:40, a course record, while local favourite Tom Reyes took the men's title in a sprint finish. Organisers praised the crowds, who lined the route despite cold, drizzly weather, and said the event raised more than 3 million pounds for charity.",
        "A record 18,400 runners finished the city marathon, where Grace Wambui set a women's course record, Tom Reyes won the men's race, and over 3 million pounds was raised for charity.",
    ),
    (
        "travel",
        "Travellers planning to visit the old town of Kestrava should know that most museums close on Mondays and that cash is still preferred in many small shops and cafés. The historic centre is pedestrianised, so leave the car at the park-and-ride on the ring road; a tram runs every ten minutes. Summer is crowded and hot, while late September offers mild weather and the wine harvest festival. Tap water is safe to drink.",
        "Visitors to Kestrava's old town should note Monday museum closures and a preference for cash, use the park-and-ride tram, and consider late September for mild weather and the wine festival.",
    ),
    (
        "business",
        "After two years of remote work, software company Bitloom is asking staff to come to the office on Tuesdays and Thursdays. Management says in-person days will be used for planning, mentoring and team events rather than quiet work, which can still be done at home. To make commuting easier, the company will pay for public transport passes. A staff survey found that about 60 percent supported the change, while many parents asked for flexible start times.",
        "Bitloom will bring staff into the office two days a week for collaborative work, paying for transport passes, a plan most employees support though parents want flexible start times.",
    ),
    (
        "education",
        "The public library in Carrow is lending more than books: since January, members can borrow tools, sewing machines, telescopes and even a pasta maker for up to two weeks. The 'library of things' started with donations from residents and now has over 300 items. Librarians say it saves people money, reduces waste from rarely used gadgets and brings in visitors who had not set foot in the library for years.",
        "Carrow library's new 'library of things' lends over 300 donated items such as tools and telescopes, saving residents money, cutting waste and drawing in new visitors.",
    ),
    (
        "environment",
        "Beavers were reintroduced to the Aller valley three years ago, and their dams have already changed the landscape. The ponds they created hold back water after heavy rain, and downstream villages have seen smaller flood peaks during storms. The wetlands also attract dragonflies, frogs and wading birds. Some farmers have complained about flooded fields at the edges of the reserve, and rangers are installing pipes through certain dams to control water levels.",
        "Beavers reintroduced to the Aller valley have built dams that reduce downstream flooding and boost wildlife, while rangers manage water levels to address farmers' complaints about flooded fields.",
    ),
    (
        "food",
        "A good cup of pour-over coffee depends on a few basics: freshly ground beans, water just off the boil at around 93 degrees, and a ratio of about 60 grams of coffee per litre. Start by pouring a little water to let the grounds bloom for 30 seconds, releasing gas. Then pour slowly in circles, keeping the bed of coffee evenly wet. The whole brew should take about three minutes; faster means the grind is too coarse.",
        "Good pour-over coffee needs fresh grounds, water around 93 degrees and a 60-grams-per-litre ratio, a 30-second bloom and a slow, even pour lasting about three minutes.",
    ),
    (
        "technology",
        "A content delivery network, or CDN, is a group of servers spread across many locations that store copies of a website's images, videos and code. When you visit a site, the CDN serves files from a server near you instead of the site's main server, which may be on another continent. This makes pages load faster, reduces the load on the origin server and helps the site stay online during traffic spikes or certain attacks.",
        "A CDN stores copies of a website's files on servers around the world and serves them from nearby, making pages load faster and helping the site handle traffic spikes and attacks.",
    ),
    (
        "local-government",
        "Residents of Millbrook are invited to vote on how to spend 250,000 pounds of the town's budget through a new participatory budgeting scheme. Ideas submitted by residents have been narrowed down to twelve projects, including new benches along the canal, a skate park extension, free swimming lessons for children and solar panels on the community hall. Anyone over 14 who lives in Millbrook can vote online or at the library until the end of the month.",
        "Millbrook residents aged over 14 can vote until month's end on how to spend 250,000 pounds across twelve resident-proposed projects, such as canal benches, a skate park and solar panels.",
    ),
    (
        "review",
        "Among the Reeds, the debut novel by Hana Ebert, follows three generations of women on a farm beside a disappearing lake. The writing is quiet and precise, and the descriptions of the marsh are beautiful. The middle section, told by the grandmother, is the strongest; the final third feels rushed, as if the author were hurrying to tie up loose ends. Still, it is a moving and assured first book.",
        "Hana Ebert's debut 'Among the Reeds', about three generations of women by a shrinking lake, is beautifully written and moving, though its final third feels rushed.",
    ),
    (
        "biography",
        "Rosa Delgado started a community garden on an empty car park in 1994, when her neighbourhood had no green space and few shops selling fresh food. She persuaded the city to lend her the land for a year, recruited neighbours and broke up the tarmac by hand. Thirty years later, the garden feeds hundreds of families, runs cooking classes and has inspired similar projects in eleven other cities.",
        "In 1994 Rosa Delgado turned an empty car park into a community garden that now feeds hundreds of families, offers cooking classes and has inspired projects in eleven other cities.",
    ),
    (
        "finance",
        "Buy now, pay later services let shoppers split a purchase into several interest-free instalments. They can be useful for spreading the cost of a necessary item, but consumer groups warn that they make it easy to overspend, especially when used across several shops at once. Missed payments can lead to late fees and, with some providers, a mark on your credit file. Experts advise treating them like any other loan.",
        "Buy now, pay later services split purchases into interest-free instalments but can encourage overspending and bring fees or credit damage for missed payments, so experts say to treat them as loans.",
    ),
    (
        "culture",
        "A mural covering the entire side of a ten-storey apartment block in Sandvik was unveiled on Saturday. Painted over six weeks by artist Jonas Ek with help from local teenagers, it shows the town's history as a fishing port, from wooden boats to the modern ferry. The project was funded by the housing association, which hopes it will reduce graffiti and make residents proud of the building. Tours of the mural start next month.",
        "A ten-storey mural of Sandvik's fishing history, painted by Jonas Ek with local teenagers and funded by the housing association, was unveiled to boost pride and deter graffiti.",
    ),
    (
        "news",
        "A 74-year-old woman from Brindle Hill has been reunited with her wedding ring, twenty years after losing it while gardening. The ring was found by a man using a metal detector on land that had once been part of her garden before the plot was sold. He traced her through the engraving inside the band, which gave her initials and the wedding date. She said she had cried when she held it again.",
        "A Brindle Hill woman has been reunited with the wedding ring she lost gardening twenty years ago after a metal detectorist found it and traced her through its engraving.",
    ),
    (
        "product",
        "The PocketScan 2 is a handheld document scanner the size of a chocolate bar. You roll it across a page, and it sends a straightened, cropped image to your phone over Bluetooth, where text can be recognised and copied. It handles A4 pages in about three seconds, and the battery lasts for roughly 400 scans. It cannot scan bound books with curved pages well, which the maker admits in the manual.",
        "The PocketScan 2 is a pocket-sized roller scanner that sends cleaned-up, text-searchable A4 scans to your phone in seconds, though it struggles with curved book pages.",
    ),
    (
        "meeting",
        "Board meeting minutes, community sports club: the treasurer reported a surplus of 4,200 pounds for the year, mostly from the summer tournament. The board approved replacing the floodlights on pitch two, which have failed several times, at a cost of 3,100 pounds. Membership fees will stay the same next season. A proposal to start a women's walking football group was welcomed, and Helen will organise a taster session in June.",
        "The sports club's board reported a 4,200-pound surplus, approved new floodlights for pitch two, froze membership fees, and backed a women's walking football taster in June.",
    ),
    (
        "science",
        "Some birds migrate thousands of kilometres using several navigation tools at once. They follow the sun's position during the day and star patterns at night, and many seem able to sense the Earth's magnetic field, possibly through light-sensitive proteins in their eyes. Near the end of their journey, familiar landmarks and even smells help them home in. Young birds on their first migration often rely on an inherited direction and distance.",
        "Migrating birds combine the sun, stars, the Earth's magnetic field, landmarks and smell to navigate, while first-time migrants rely partly on an inherited sense of direction and distance.",
    ),
    (
        "story",
        "On the last day before the old cinema closed, the projectionist showed the film he had seen there as a boy, to an audience of seven. Halfway through, the reel snapped. In the silence, one of the seven began to describe the next scene from memory, then another joined in, and soon they were acting out the ending together in the dark. When the lights came up, nobody wanted to leave.",
        "When the film breaks on a closing cinema's final night, its seven viewers act out the ending from memory, turning the last showing into a shared, unforgettable moment.",
    ),
    (
        "history",
        "In 1914, the explorer Ernest Shackleton set out to cross Antarctica, but his ship, Endurance, was trapped and crushed by pack ice. The crew camped on the ice for months, then sailed lifeboats to remote Elephant Island. Shackleton and five men crossed 1,300 kilometres of stormy ocean in a small boat to reach South Georgia, then hiked over its mountains to a whaling station. Every member of the expedition survived.",
        "After the Endurance was crushed by ice in 1914, Shackleton led an extraordinary lifeboat voyage and mountain crossing to get help, and his entire crew survived.",
    ),
    (
        "health",
        "Hand-washing remains one of the most effective ways to prevent the spread of infections such as colds, flu and stomach bugs. Health agencies recommend scrubbing with soap for at least 20 seconds, including between the fingers and under the nails, and drying hands thoroughly. Alcohol gels with at least 60 percent alcohol are a good option when soap and water are not available, but they work less well on visibly dirty hands.",
        "Washing hands with soap for at least 20 seconds is one of the best defences against infections, with strong alcohol gels as a backup when hands aren't visibly dirty.",
    ),
    (
        "sports",
        "The national women's rugby team will play its first match at the main national stadium next spring, after ticket sales for previous games repeatedly sold out smaller grounds. The union hopes to attract 40,000 fans, which would be a record for a women's sporting event in the country. Ticket prices start at ten pounds, and children under sixteen go free. Coach Erin Doyle called it a moment the players had dreamed of for years.",
        "After repeatedly selling out smaller grounds, the women's rugby team will play at the national stadium next spring, aiming for a record 40,000 crowd with cheap tickets and free entry for children.",
    ),
    (
        "travel",
        "The night train from Vienna to Venice leaves at 9:30 pm and arrives just after 9 the next morning, crossing the Alps in the dark. Travellers can choose between seats, six-berth couchettes and private sleeper compartments with a washbasin. Breakfast is included in sleeper tickets. Booking two months ahead gets the best prices, and compartments sell out quickly in summer. Bring earplugs, as the carriages can be noisy at stations.",
        "The overnight Vienna-to-Venice train offers seats, couchettes and sleepers with breakfast, and is best booked two months ahead, especially in summer.",
    ),
    (
        "business",
        "Supermarket chain FreshWay will remove 'best before' dates from 300 fruit and vegetable products, replacing them with advice to use your judgement. The company says the dates cause shoppers to throw away food that is still perfectly good; fresh produce accounts for a large share of household food waste. 'Use by' dates, which relate to safety, will remain on meat, fish and dairy. Food-waste charities welcomed the move.",
        "FreshWay is dropping 'best before' dates from 300 fresh produce items to reduce food waste, while keeping safety-related 'use by' dates on meat, fish and dairy.",
    ),
    (
        "education",
        "Lakeview High School has banned mobile phones during the school day, requiring students to lock them in pouches at the gate. Teachers say lessons are calmer and that more students now talk and play games at lunchtime. Some parents worried about reaching their children in an emergency, so the school office now passes on urgent messages. After one term, reports of online bullying during school hours have dropped sharply.",
        "Lakeview High's phone ban, with phones locked in pouches all day, has led to calmer lessons, more social lunchtimes and less online bullying, with the office handling urgent parent messages.",
    ),
    (
        "environment",
        "Cities are planting 'pocket forests' on spaces as small as a tennis court, using a method developed by Japanese botanist Akira Miyawaki. Native trees and shrubs are planted very densely in enriched soil, so they compete for light and grow quickly. Supporters say these mini-forests cool nearby streets, absorb rainwater and attract wildlife within a few years. Critics note that they need careful watering at first and that long-term results are still being studied.",
        "Cities are planting dense 'pocket forests' using the Miyawaki method, which grow quickly and cool streets and attract wildlife, though they need early care and long-term results are unclear.",
    ),
    (
        "food",
        "Sourdough bread rises without commercial yeast. Instead, a starter, a mixture of flour and water left to ferment, collects wild yeasts and lactic acid bacteria from the flour and the air. The yeasts produce the gas that makes the dough rise, while the bacteria give sourdough its tangy flavour. A starter must be fed with fresh flour and water regularly; some bakeries keep starters that are decades old.",
        "Sourdough rises thanks to a regularly fed starter of fermented flour and water whose wild yeasts leaven the dough and whose bacteria give it a tangy taste.",
    ),
    (
        "technology",
        "Two-factor authentication adds a second step to logging in, so a stolen password alone is not enough to break into an account. After entering your password, you confirm your identity with something you have, such as a code from an app, a hardware key or a prompt on your phone. Codes sent by text message are better than nothing but can be intercepted through SIM-swap fraud, so app-based codes or hardware keys are safer.",
        "Two-factor authentication requires a second proof such as an app code or hardware key besides your password, with text-message codes being the weakest option.",
    ),
    (
        "local-government",
        "Work to replace the Queen Street bridge will begin on 3 June and is expected to last eight months. During construction, the bridge will be closed to cars, but a temporary footbridge will keep pedestrians and cyclists moving. Buses will be diverted via Park Road, adding around five minutes to journeys. The council says the 1930s bridge has weakened to the point where it can no longer safely carry heavy lorries.",
        "The weakened Queen Street bridge will be replaced over eight months from 3 June, closing it to cars while a temporary footbridge serves pedestrians and buses are diverted.",
    ),
    (
        "review",
        "The Harbour Hotel has a perfect location, right on the seafront and five minutes' walk from the old town. Our room was small but spotless, with a balcony overlooking the water. Breakfast was the highlight, with fresh pastries and local cheeses. The downside was noise: the bar downstairs played music until 1 am on Friday and Saturday. Staff were helpful and offered us a quieter room for our last night.",
        "The Harbour Hotel offers a superb seafront location, clean rooms and an excellent breakfast, but weekend bar noise can be a problem, though staff helpfully offered a quieter room.",
    ),
    (
        "biography",
        "Kenji Mori lost his sight at the age of nine, but he went on to become one of the country's most respected piano tuners. He learned the trade at a school for the blind, apprenticed with a concert hall for ten years and now tunes instruments for touring orchestras. Mori says losing his sight sharpened his hearing, and that he can hear a string go out of tune before most musicians notice.",
        "Blind since age nine, Kenji Mori trained at a school for the blind and became a leading piano tuner for touring orchestras, crediting his sharpened hearing.",
    ),
    (
        "finance",
        "Inflation measures how quickly prices across the economy are rising. If annual inflation is 4 percent, a basket of goods that cost 100 euros last year costs about 104 today. Moderate inflation is considered normal, and most central banks aim for around 2 percent. When inflation runs much higher, the value of savings falls and central banks usually raise interest rates to cool spending and bring prices under control.",
        "Inflation is the rate at which prices rise, and while central banks target around 2 percent, they usually raise interest rates when it runs high and erodes savings.",
    ),
    (
        "culture",
        "The annual Day of Books in the village of Lindau turns every front garden into a second-hand bookshop. Residents put out tables of books they have finished with and sell them for whatever visitors choose to pay, with proceeds going to the village school. What began with a dozen houses in 2009 now draws several thousand visitors, and local farmers sell food and cider along the main street.",
        "Lindau's annual Day of Books, where residents sell used books from their gardens for the village school, has grown from a dozen houses in 2009 to thousands of visitors.",
    ),
    (
        "news",
        "Heavy snow closed more than 200 schools across the northern region on Monday, and drivers were warned to avoid all but essential journeys. Up to 30 centimetres fell on high ground overnight, and several villages were cut off until snowploughs arrived in the afternoon. Forecasters expect temperatures to rise from Wednesday, bringing a thaw, but warn that melting snow could cause flooding along the rivers later in the week.",
        "Heavy snow shut over 200 northern schools and cut off villages on Monday, and a thaw from Wednesday may bring river flooding later in the week.",
    ),
    (
        "product",
        "Version 5 of the Tessera photo editor introduces non-destructive layers, meaning edits can be changed or removed at any time without degrading the original image. A new healing brush removes dust spots and small objects in a single stroke. The interface has been simplified, with rarely used tools moved to a menu. Files from older versions open normally, but projects saved in version 5 cannot be opened in version 4.",
        "Tessera 5 adds non-destructive layers, a one-stroke healing brush and a simpler interface, though its projects can't be opened in version 4.",
    ),
    (
        "meeting",
        "Retro notes for sprint 14: the team finished 11 of 13 stories; the two unfinished ones were blocked by unclear requirements from the client. What went well: pairing on the checkout bug and shorter stand-ups. What didn't: too many meetings on Wednesday and flaky tests slowing reviews. Actions: Mei will set up a fortnightly call with the client to clarify requirements, and Sam will quarantine the flaky tests by Friday.",
        "Sprint 14 finished 11 of 13 stories, and the team agreed on a regular client call to clarify requirements and on quarantining flaky tests to fix what slowed them down.",
    ),
    (
        "science",
        "Coral reefs cover less than one percent of the ocean floor but support about a quarter of all marine species. Corals are animals that live in partnership with tiny algae, which provide them with food through photosynthesis and give them their colour. When the water gets too warm, corals expel the algae and turn white, an event called bleaching. If temperatures do not fall quickly, the corals can starve and die.",
        "Coral reefs support a quarter of marine species despite their small area, but when water gets too warm corals expel their food-providing algae and bleach, and may die.",
    ),
    (
        "story",
        "Every Sunday, old Mr. Petrov played chess alone in the park, moving both the white and the black pieces. One day a girl of about ten sat down opposite him without asking and moved a black pawn. He frowned, then smiled, and they played in silence until it got dark. She lost badly. The next Sunday she came back with a chess book, and by the end of the summer she had won her first game.",
        "A lonely old man playing chess against himself in the park gains a young opponent who keeps returning, studies the game and finally beats him by summer's end.",
    ),
    (
        "history",
        "The Rosetta Stone, found by French soldiers in Egypt in 1799, carries the same decree written in three scripts: Egyptian hieroglyphs, Demotic script and ancient Greek. Because scholars could read the Greek, the stone offered a key to the long-forgotten hieroglyphs. Building on work by Thomas Young, the French scholar Jean-François Champollion announced in 1822 that he had deciphered them, opening up thousands of years of Egyptian history.",
        "The Rosetta Stone's decree in hieroglyphs, Demotic and Greek let Champollion, building on Thomas Young's work, decipher Egyptian hieroglyphs in 1822.",
    ),
    (
        "health",
        "Loneliness is increasingly seen as a health issue, not just an emotional one. Long-term loneliness has been linked to higher risks of heart disease, depression and dementia. Some doctors now practise 'social prescribing', referring patients to community groups such as walking clubs, choirs or gardening projects, alongside or instead of medication. Early studies suggest it can improve wellbeing and reduce visits to the doctor.",
        "Because long-term loneliness raises the risk of heart disease, depression and dementia, some doctors use social prescribing to refer patients to community groups, which may improve wellbeing.",
    ),
    (
        "sports",
        "Chess grandmaster Lena Kovač, aged just 15, won the European Youth Championship on Sunday without losing a single game. Playing with the black pieces in the final round, she held the tournament's top seed to a draw to secure first place by a full point. Kovač learned chess from her grandfather at the age of five and trains online with a coach in another country. She will represent her country at the World Youth Championship in October.",
        "Fifteen-year-old grandmaster Lena Kovač won the European Youth Championship unbeaten, drawing the top seed in the final round, and will play at the World Youth Championship in October.",
    ),
    (
        "travel",
        "Cycling the Danube path from Passau to Vienna is one of Europe's most popular bike tours, and it suits beginners because the route is mostly flat and follows the river downstream. The 330-kilometre trip usually takes six or seven days, with stops in small towns, vineyards and abbeys along the way. Luggage transfer services carry bags between hotels, and trains make it easy to skip a section if the weather turns.",
        "The flat, 330-kilometre Danube cycle path from Passau to Vienna is beginner-friendly, takes about a week and is made easy by luggage transfers and trains.",
    ),
    (
        "business",
        "A growing number of small businesses are adopting a four-day working week without cutting pay. In a six-month trial involving 60 companies, most reported that productivity stayed the same or improved, while staff took fewer sick days and said they felt less stressed. Some firms found it harder to apply to customer-facing roles and used rotating schedules. After the trial, more than 50 of the companies chose to continue.",
        "In a six-month trial, most of 60 companies kept productivity steady on a four-day week with full pay while staff wellbeing improved, and over 50 decided to continue.",
    ),
    (
        "education",
        "The university will offer free evening courses in coding, accounting and English to adults in the city who left school without qualifications. Classes begin in October and run for twelve weeks, with childcare provided on site. The programme is funded by a local business association that says employers struggle to find staff with basic digital skills. Learners who complete a course can apply for a paid work placement.",
        "The university will offer adults without qualifications free twelve-week evening courses with childcare, funded by local businesses, leading to possible paid work placements.",
    ),
    (
        "environment",
        "Light pollution is hiding the stars from most people in Europe and North America, and it also harms wildlife. Migrating birds can become disoriented by brightly lit buildings, and sea turtle hatchlings crawl toward streetlights instead of the sea. Simple measures help: shielding lamps so they point downwards, using warmer-coloured LEDs and switching off unnecessary lights late at night. Several towns have earned 'dark sky' status by making such changes.",
        "Light pollution hides the stars and disorients birds and turtles, but shielded, warmer and switched-off lights can reduce it, as several 'dark sky' towns have shown.",
    ),
    (
        "food",
        "Pickling vegetables at home is simple. Heat equal parts vinegar and water with a spoonful each of salt and sugar until dissolved. Pack sliced vegetables such as cucumbers, carrots or red onions into a clean jar with garlic, dill or peppercorns, then pour the hot brine over them. Once cool, seal the jar and refrigerate. Quick pickles are ready to eat the next day and keep for about a month in the fridge.",
        "To make quick fridge pickles, pour a hot brine of vinegar, water, salt and sugar over sliced vegetables and spices in a jar, and they'll be ready the next day and keep a month.",
    ),
    (
        "technology",
        "Open-source software is software whose source code anyone can read, modify and share under a licence that permits it. Much of the internet runs on it, from web servers to programming languages. Volunteers and companies collaborate on projects, and anyone can report bugs or propose improvements. Critics point out that many crucial projects rely on a handful of unpaid maintainers, which can leave them vulnerable to burnout and security problems.",
        "Open-source software, whose code anyone can read and change, powers much of the internet through open collaboration, though many key projects depend on a few overstretched unpaid maintainers.",
    ),
    (
        "local-government",
        "Starting next month, Oakridge will introduce a late-night bus service on Fridays and Saturdays, running every 30 minutes between the town centre and the three largest housing estates until 3 am. The service is a one-year trial paid for by a levy on bars and clubs. Police say it should reduce drink-driving and make streets safer by getting people home quickly. Fares will be the same as daytime buses.",
        "Oakridge will trial weekend late-night buses until 3 am for a year, funded by bars and clubs at normal fares, to curb drink-driving and get people home safely.",
    ),
    (
        "review",
        "The Kiro 3 electric scooter is sturdy and comfortable thanks to its large air-filled tyres and front suspension. Its claimed range of 45 kilometres is optimistic; in our tests we managed about 32 with a heavier rider and some hills. The brakes are strong and the lights bright. At 19 kilograms it is heavy to carry up stairs, and folding it takes some practice. Overall, a solid choice for commuters with ground-floor storage.",
        "The Kiro 3 scooter rides comfortably with strong brakes and bright lights but falls short of its claimed range and is heavy, suiting commuters who needn't carry it upstairs.",
    ),
    (
        "biography",
        "As a teenager, Amara Osei repaired neighbours' radios for pocket money in Kumasi. She studied electrical engineering on a scholarship, then returned to Ghana to found a company that builds solar-powered cold storage for farmers. Her refrigerated units let farmers keep tomatoes and peppers fresh for weeks instead of days, cutting losses and letting them sell at better prices. The company now operates in five countries.",
        "Amara Osei, who fixed radios as a teenager, founded a company building solar-powered cold storage that helps farmers in five countries keep produce fresh and earn more.",
    ),
    (
        "finance",
        "Index funds are investment funds that simply track a market index, such as the 500 largest companies in a country, instead of trying to pick winning shares. Because they need no team of analysts, their fees are usually much lower than those of actively managed funds. Over long periods, most active funds fail to beat the index after fees, which is why many advisers suggest index funds for ordinary savers.",
        "Index funds track a market index instead of picking stocks, so their low fees often beat actively managed funds over time, making them a common recommendation for savers.",
    ),
    (
        "culture",
        "After forty years, the Little Pearl jazz club is closing its doors at the end of the month because the building has been sold to developers. The basement club hosted countless local musicians and several international stars early in their careers. Regulars have organised a farewell week of concerts, and a group of musicians is raising money to open a new venue nearby. The club's famous red piano will be auctioned for charity.",
        "The forty-year-old Little Pearl jazz club is closing after its building was sold, marking the end with farewell concerts and a piano auction while musicians raise money for a new venue.",
    ),
    (
        "news",
        "A herd of sixteen cows escaped from a farm near Wexley on Thursday morning and wandered onto the bypass, causing long queues during rush hour. Police closed one lane while the farmer and volunteers guided the animals back through a gap in the hedge. No people or animals were injured. The farmer said a storm the night before had knocked down part of the fence, and he apologised to drivers for the delay.",
        "Sixteen cows escaped through a storm-damaged fence near Wexley and caused rush-hour queues on the bypass until they were herded home, with no injuries.",
    ),
    (
        "product",
        "The Brightwash W9 washing machine has a 9-kilogram drum and an A energy rating. Its standout feature is automatic dosing: you fill a tank with detergent once a month, and the machine measures the right amount for each load based on weight and dirtiness. A 'quick 20' programme cleans lightly soiled clothes in twenty minutes. Reviewers praise how quiet it is, but the app is clunky and adds little.",
        "The Brightwash W9 is an efficient, quiet 9-kilogram washer with automatic detergent dosing and a 20-minute quick wash, though its app is clunky.",
    ),
    (
        "meeting",
        "Neighbourhood association meeting, 12 March: residents raised concerns about speeding on Elm Avenue, especially near the primary school. The association will ask the council for speed bumps and a crossing patrol. The litter-pick on 6 April will start at the church at 10 am, with gloves and bags provided. The association also agreed to create a shared tool shed in the community garden. The next meeting is in May.",
        "The neighbourhood association will ask the council for traffic measures on Elm Avenue near the school, holds a litter-pick on 6 April, and will set up a shared tool shed.",
    ),
    (
        "science",
        "Black holes form when very massive stars collapse at the end of their lives, packing so much mass into such a small space that not even light can escape their gravity. The boundary beyond which escape is impossible is called the event horizon. Although black holes cannot be seen directly, astronomers detect them through their effects: gas heating up as it swirls around them, stars orbiting an invisible companion, and ripples in spacetime when two of them merge.",
        "Black holes, formed when massive stars collapse, trap even light behind an event horizon, so astronomers detect them indirectly through heated gas, orbiting stars and gravitational waves.",
    ),
    (
        "story",
        "The robot vacuum in flat 4B had mapped every corner of the apartment, except the space under the old sofa, where it always got stuck. One afternoon it finally squeezed through and found a dusty envelope addressed to the woman who lived there. Inside was a letter from her sister, lost for years. That evening, for the first time since the robot had arrived, the woman phoned her sister, and they talked until midnight.",
        "A robot vacuum finds a long-lost letter under a sofa, prompting its owner to phone her estranged sister for the first time in years.",
    ),
    (
        "history",
        "The Great Wall of China is not one wall but a series of walls and fortifications built by different dynasties over about two thousand years. The best-preserved sections, built of brick and stone, date from the Ming dynasty in the fourteenth to seventeenth centuries. Its purpose was to protect against raids from northern nomadic groups and to control trade and migration. Contrary to popular belief, it is not visible to the naked eye from space.",
        "The Great Wall of China is a series of fortifications built over two millennia, mostly preserved from the Ming era, to guard against raids and control movement, and it isn't visible from space.",
    ),
    (
        "health",
        "Back pain is one of the most common reasons people see a doctor, and for most, it gets better within a few weeks. Doctors now advise staying as active as possible rather than resting in bed, since gentle movement helps recovery. Heat packs and over-the-counter painkillers can ease discomfort. People should seek urgent help if back pain comes with numbness in the groin, loss of bladder control or weakness in the legs.",
        "Most back pain improves within weeks with gentle activity rather than bed rest, but numbness in the groin, bladder problems or leg weakness need urgent medical help.",
    ),
    (
        "sports",
        "The local basketball club's wheelchair team has been promoted to the national league after winning all twelve of their matches this season. The team, founded only four years ago with six players and borrowed chairs, now has a squad of fourteen and its own set of sports wheelchairs thanks to a fundraising campaign. Captain Sofia Reyes said promotion showed what the players could do when given a chance.",
        "The club's four-year-old wheelchair basketball team, which grew from borrowed chairs to a funded squad of fourteen, won promotion to the national league with an unbeaten season.",
    ),
    (
        "travel",
        "Iceland's Ring Road circles the whole country in about 1,300 kilometres, passing waterfalls, glaciers, black sand beaches and fishing villages. Most visitors take seven to ten days to drive it. In summer the road is easy to travel, but in winter storms can close sections for days, and some guesthouses shut. Petrol stations are far apart in the east and north, so drivers should fill up whenever they can.",
        "Iceland's 1,300-kilometre Ring Road takes seven to ten days and is easy in summer, but winter storms can close it and drivers should refuel often in remote areas.",
    ),
    (
        "business",
        "Coffee prices at cafés are rising because the cost of beans has jumped after poor harvests in Brazil and Vietnam, the two largest producers. Drought and unusual frosts damaged crops, while shipping and energy costs have also increased. Roasters say they have absorbed some of the increase, but many small cafés have added 20 to 40 cents to a cup. Analysts expect prices to stay high until harvests recover.",
        "Café coffee is getting pricier because poor harvests in Brazil and Vietnam, plus higher shipping and energy costs, pushed up bean prices, which analysts expect to stay high for now.",
    ),
    (
        "education",
        "Research on homework suggests its benefits depend heavily on age. For secondary school students, moderate amounts of homework are linked to better results, but the effect levels off beyond about two hours a night. For young primary school children, there is little evidence that homework improves achievement, though reading at home with a parent clearly helps. Experts say quality matters more than quantity: short, focused tasks beat long worksheets.",
        "Homework helps secondary students up to about two hours a night but does little for young children beyond reading with parents, and short focused tasks work better than long ones.",
    ),
    (
        "environment",
        "Seagrass meadows, underwater fields of flowering plants in shallow coastal waters, store carbon up to thirty-five times faster than tropical rainforests per hectare. They also shelter young fish and protect coasts from erosion. Yet seagrass has been lost rapidly because of pollution, dredging and boat anchors. Restoration projects now collect seeds by hand from healthy meadows and replant them in bags of sand along damaged coastlines.",
        "Seagrass meadows store carbon very quickly and support fish and coasts, but after heavy losses from pollution and anchors, projects are now replanting them from hand-collected seeds.",
    ),
    (
        "news",
        "The harbour town of Port Ellis woke on Saturday to find its famous sea stack, the Old Maid, reduced to a stump of rock after a night of heavy storms. The 30-metre sandstone column had stood off Gull Point for centuries and appeared on the town crest. Coastguards said the collapse probably happened at high tide around 3 am, when waves reached seven metres. Geologists had warned for years that a crack at its base was widening. Nobody was hurt. The mayor said the town would find a way to remember the landmark and asked visitors to keep away from the unstable cliff edge.",
        "Port Ellis's landmark 30-metre sea stack, the Old Maid, collapsed in an overnight storm after years of warnings about a widening crack, injuring no one, and the town is considering a memorial while warning visitors off the unstable cliffs.",
    ),
    (
        "meeting",
        "Quarterly review, customer support team. First-response time fell from nine hours to four under the new rota, and satisfaction rose from 82 to 88 percent. The backlog, however, grew by 15 percent because of questions about the new billing system. The team agreed three actions. First, Lucía will write help articles on the five most common billing questions. Second, the billing team will join the support channel for an hour each morning. Third, two part-time agents will be hired for the summer peak. Replacing the ticket system was postponed until next year.",
        "Support response times and satisfaction improved last quarter, but billing questions swelled the backlog, so the team will publish billing help articles, bring in the billing team daily and hire summer staff, while postponing a new ticket system.",
    ),
    (
        "story",
        "Nobody in the village remembered who had built the stone bench at the top of Hagg Hill, only that someone always seemed to keep it swept. When a storm split the oak, the bench was buried under branches, and for a week nobody climbed the hill. Then, one grey morning, the baker noticed the path had been cleared. Curious, she hid behind a wall before dawn the next day. At first light an old man she had never seen in the village shuffled up with a broom, swept the bench, sat down and watched the sun rise over the valley. When she finally joined him, he only said, 'My wife liked this view,' and moved over to make room.",
        "A baker discovers that the mysterious keeper of a hilltop bench is an old man who sweeps it each dawn in memory of his wife, and he quietly makes room for her to share the view.",
    ),
]

INSTRUCTIONS = [
    "Summarize the following in one sentence:",
    "Summarise this in a single sentence:",
    "Write a one-sentence summary of the text below.",
    "In one sentence, what is this text about?",
    "TL;DR in one sentence, please:",
    "Give a one-sentence summary of the following.",
    "Condense this paragraph into one sentence:",
]
